# Plans and applies against a mock AWS provider: computed IDs are fake, but
# every value asserted here comes from the module's own logic.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/svc:1" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/svc" }
  }
}

variables {
  name            = "svc"
  cluster_arn     = "arn:aws:ecs:us-east-1:123456789012:cluster/c"
  cluster_name    = "c"
  vpc_id          = "vpc-1"
  subnet_ids      = ["subnet-a", "subnet-b"]
  container_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc:abc"

  security_group_ingress_source_security_group_ids = { alb = "sg-alb" }

  container_secrets = {
    FOOTFALL_SECRET_KEY        = "arn:aws:ssm:us-east-1:123456789012:parameter/svc/secret-key"
    FOOTFALL_DATABASE_PASSWORD = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf:password::"
  }

  tasks_iam_role_statements = [{
    sid       = "OneTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/t", "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/gsi1"]
  }]

  load_balancer                  = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1" }
  autoscaling_min_capacity       = 2
  autoscaling_max_capacity       = 10
  autoscaling_policies           = { cpu_target = 60, memory_target = 75, alb_request_count = 1000 }
  autoscaling_alb_resource_label = "app/lb/1/targetgroup/tg/1"
}

run "private_service" {
  command = apply

  assert {
    condition     = aws_ecs_service.this[0].network_configuration[0].assign_public_ip == false
    error_message = "Tasks must not get a public IP by default."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.from_sources) == 1 && aws_vpc_security_group_ingress_rule.from_sources["alb"].referenced_security_group_id == "sg-alb"
    error_message = "Only the ALB security group may reach the tasks."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.from_sources["alb"].from_port == 8000 &&
      aws_vpc_security_group_ingress_rule.from_sources["alb"].to_port == 8000
    )
    error_message = "Ingress must be limited to the container port."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.tasks[0].policy).Statement : s.Resource if try(s.Sid, "") == "OneTable"
      ]) == [
      "arn:aws:dynamodb:us-east-1:123456789012:table/t",
      "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/gsi1",
    ]
    error_message = "The task role must reach its own table and index only."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.tasks[0].policy).Statement :
      startswith(s.Sid, "EcsExec") || !contains(s.Resource, "*")
    ])
    error_message = "Only the ECS Exec channel statements may use a wildcard resource."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.task_exec[0].policy).Statement : s.Resource if s.Sid == "SecretsManagerSecrets"
    ]) == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"]
    error_message = "The execution role must read exactly the referenced secret (JSON key suffix stripped)."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.task_exec[0].policy).Statement : s.Resource if s.Sid == "SsmSecrets"
    ]) == ["arn:aws:ssm:us-east-1:123456789012:parameter/svc/secret-key"]
    error_message = "The execution role must read exactly the referenced parameter."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].retention_in_days == 30
    error_message = "The log group must have a retention."
  }

  assert {
    condition     = aws_appautoscaling_target.this[0].min_capacity == 2 && aws_appautoscaling_target.this[0].max_capacity == 10
    error_message = "Autoscaling bounds must be the configured ones."
  }

  assert {
    condition     = join(",", sort(keys(aws_appautoscaling_policy.this))) == "cpu,memory,requests"
    error_message = "CPU, memory and request-count policies must exist."
  }

  assert {
    condition     = aws_appautoscaling_policy.this["requests"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].resource_label == "app/lb/1/targetgroup/tg/1"
    error_message = "The request-count policy must point at the target group."
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_circuit_breaker[0].enable && aws_ecs_service.this[0].deployment_circuit_breaker[0].rollback
    error_message = "The deployment circuit breaker must roll back."
  }

  assert {
    condition     = !aws_ecs_service.this[0].enable_execute_command && output.container_definition.readonlyRootFilesystem
    error_message = "ECS Exec must be off by default, and the root filesystem read-only."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.tasks[0].policy, "ssmmessages:")
    error_message = "Without ECS Exec the task role gets no SSM messages channel."
  }

  assert {
    condition     = strcontains(join(" ", output.container_definition.healthCheck.command), "urllib.request.urlopen('http://127.0.0.1:8000/health'")
    error_message = "The container health check must ask /health with urllib (no curl in the image)."
  }

  assert {
    condition     = aws_iam_role.task_exec[0].name_prefix != aws_iam_role.tasks[0].name_prefix
    error_message = "Execution and task roles must be separate."
  }
}

run "ci_owns_task_definition" {
  command = plan

  variables {
    ignore_task_definition_changes = true
    assign_public_ip               = true
  }

  assert {
    condition     = length(aws_ecs_service.this) == 0 && length(aws_ecs_service.ignore_task_definition) == 1
    error_message = "ignore_task_definition_changes must select the service that ignores task definition changes."
  }

  assert {
    condition     = aws_ecs_service.ignore_task_definition[0].network_configuration[0].assign_public_ip == true
    error_message = "assign_public_ip must reach the service."
  }
}

run "scheduled_scale_to_zero" {
  command = plan

  variables {
    autoscaling_scheduled_actions = {
      night   = { schedule = "cron(0 22 * * ? *)", min_capacity = 0, max_capacity = 0 }
      morning = { schedule = "cron(0 7 * * ? *)", min_capacity = 1, max_capacity = 2 }
    }
  }

  assert {
    condition     = aws_appautoscaling_scheduled_action.this["night"].scalable_target_action[0].max_capacity == "0"
    error_message = "The night action must scale to zero."
  }
}

run "nothing_when_create_is_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_ecs_task_definition.this) == 0 && length(aws_iam_role.tasks) == 0 && output.service_name == null
    error_message = "create = false must create nothing."
  }
}

run "exec_on_request" {
  command = plan

  variables {
    enable_execute_command            = true
    tasks_iam_role_exec_log_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/ecs/c/exec"
  }

  assert {
    condition     = aws_ecs_service.this[0].enable_execute_command && !output.container_definition.readonlyRootFilesystem
    error_message = "ECS Exec turns on only when asked, and then the SSM agent needs a writable root."
  }
}
