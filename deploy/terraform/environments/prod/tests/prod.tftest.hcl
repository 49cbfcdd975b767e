# The whole prod stack against a mock provider. Values the assertions need
# from AWS (AZs, the RDS secret ARN) are pinned with overrides.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.30.0.0/16" }
  }
  mock_resource "aws_vpc" {
    defaults = { cidr_block = "10.30.0.0/16" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/footfall:1" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/footfall" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/footfall"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/footfall"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/footfall/1"
      arn_suffix = "app/footfall/1"
    }
  }
  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ff/2"
      arn_suffix = "targetgroup/ff/2"
    }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/footfall/mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:footfall-alarms" }
  }
}

override_resource {
  target = module.db.aws_db_instance.this
  values = {
    address = "footfall.abc123.us-east-1.rds.amazonaws.com"
    arn     = "arn:aws:rds:us-east-1:123456789012:db:footfall"
    master_user_secret = [{
      secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"
      kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/k"
      secret_status = "active"
    }]
  }
}

variables {
  certificate_arn   = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
  github_repository = "acme/footfall"
}

run "prod" {
  command = apply

  assert {
    condition     = module.service.network_configuration.assign_public_ip == false
    error_message = "Prod tasks must not get a public IP."
  }

  assert {
    condition     = toset(module.service.network_configuration.subnets) == toset(module.network.private_subnet_ids) && length(module.network.private_subnet_ids) == 2
    error_message = "Prod tasks must run in the two private subnets."
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 2
    error_message = "Private subnets need NAT (one per AZ by default)."
  }

  assert {
    condition     = module.alb.https_enabled && module.alb.certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    error_message = "Prod must serve HTTPS with the given certificate."
  }

  assert {
    condition     = module.service.autoscaling_target.min == 2 && module.service.autoscaling_target.max == 10
    error_message = "Prod autoscales between 2 and 10 tasks."
  }

  assert {
    condition     = startswith(one([for e in module.service.container_definition.environment : e.value if e.name == "FOOTFALL_DATABASE_URL"]), "postgresql://footfall@footfall.abc123.us-east-1.rds.amazonaws.com:5432/footfall")
    error_message = "FOOTFALL_DATABASE_URL must point at the RDS endpoint, without the password."
  }

  assert {
    condition     = one([for s in module.service.container_definition.secrets : s.valueFrom if s.name == "FOOTFALL_DATABASE_PASSWORD"]) == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf:password::"
    error_message = "The password must come from the RDS-managed secret's password key."
  }

  assert {
    condition     = one([for s in jsondecode(module.service.task_exec_iam_role_policy).Statement : s.Resource if s.Sid == "SecretsManagerSecrets"]) == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"]
    error_message = "The execution role must read only the database secret."
  }

  assert {
    condition     = length([for s in jsondecode(module.service.tasks_iam_role_policy).Statement : s if !startswith(s.Sid, "EcsExec")]) == 0
    error_message = "With PostgreSQL the task role needs nothing but ECS Exec."
  }

  assert {
    condition     = length(module.monitoring.alarm_names) == 8
    error_message = "ALB 5xx (2), response time, unhealthy hosts, ECS CPU and memory, RDS CPU and storage alarms expected."
  }
}
