# The cluster: capacity providers, Container Insights, audited ECS Exec.

mock_provider "aws" {}

variables {
  name = "ff"
}

run "defaults" {
  command = apply

  assert {
    condition     = one(aws_ecs_cluster.this[0].setting).value == "enabled"
    error_message = "Container Insights is on unless turned off."
  }

  assert {
    condition     = aws_ecs_cluster.this[0].configuration[0].execute_command_configuration[0].logging == "OVERRIDE" && aws_ecs_cluster.this[0].configuration[0].execute_command_configuration[0].log_configuration[0].cloud_watch_log_group_name == "/aws/ecs/ff/exec"
    error_message = "ECS Exec sessions are logged to the cluster's exec log group."
  }

  assert {
    condition     = aws_cloudwatch_log_group.exec[0].retention_in_days == 30
    error_message = "The exec log group has a retention."
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this[0].capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "Both Fargate providers are attached so a service can choose."
  }
}

run "spot_default" {
  command = plan

  variables {
    default_capacity_provider_strategy = { FARGATE_SPOT = { weight = 1 } }
    container_insights                 = "disabled"
  }

  assert {
    condition     = [for s in aws_ecs_cluster_capacity_providers.this[0].default_capacity_provider_strategy : s.capacity_provider] == ["FARGATE_SPOT"]
    error_message = "The default strategy is the one given."
  }
}

run "bad_provider_is_rejected" {
  command = plan

  variables {
    default_capacity_provider_strategy = { EC2 = { weight = 1 } }
  }

  expect_failures = [var.default_capacity_provider_strategy]
}

run "bad_insights_is_rejected" {
  command = plan

  variables {
    container_insights = "on"
  }

  expect_failures = [var.container_insights]
}
