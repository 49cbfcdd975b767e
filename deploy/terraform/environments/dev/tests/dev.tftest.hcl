# The free-tier dev stack against a mock provider.

mock_provider "aws" {
  mock_data "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/footfall-dev"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/footfall-dev"
    }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/footfall/1/1" }
  }
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
    defaults = { cidr_block = "10.20.0.0/16" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/footfall-dev:1" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/footfall-dev" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/footfall-dev"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/footfall-dev"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/footfall-dev/1" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ff/2" }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/footfall-dev/mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:footfall-dev-alarms" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { id = "footfall-dev-archive-123456789012", arn = "arn:aws:s3:::footfall-dev-archive-123456789012" }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = { execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/footfall-dev" }
  }
}

# A real provider that is never called (generate_secrets = false): mock
# providers cannot hold the ephemeral random password resource.
provider "aws" {
  alias                       = "secrets"
  region                      = "us-east-1"
  access_key                  = "unused"
  secret_key                  = "unused"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

variables {
  generate_secrets    = false
  allowed_cidr_blocks = ["198.51.100.0/24"]
  alarm_email         = "ops@example.com"
}

run "dev" {
  command = apply

  assert {
    condition     = module.service.network_configuration.assign_public_ip == true && length(module.service.network_configuration.subnets) == 1
    error_message = "Dev tasks run in one public subnet with a public IP (no NAT)."
  }

  assert {
    condition     = length(module.network.private_subnet_ids) == 0 && length(module.network.nat_gateway_ids) == 0
    error_message = "Dev has no private subnets and no NAT."
  }

  assert {
    condition     = one([for e in module.service.container_definition.environment : e.value if e.name == "FOOTFALL_DATABASE_URL"]) == "dynamodb://footfall-dev?region=us-east-1"
    error_message = "Dev uses the DynamoDB backend."
  }

  assert {
    condition = one([for s in jsondecode(module.service.tasks_iam_role_policy).Statement : s.Resource if s.Sid == "OneTable"]) == [
      "arn:aws:dynamodb:us-east-1:123456789012:table/footfall-dev",
      "arn:aws:dynamodb:us-east-1:123456789012:table/footfall-dev/index/GSI1",
    ]
    error_message = "The task role must reach only its own table and index."
  }

  assert {
    condition     = module.service.autoscaling_target.min == 1 && module.service.autoscaling_target.max == 2
    error_message = "Dev autoscales between 1 and 2 tasks during the day."
  }

  assert {
    condition     = module.alb.https_enabled == false && module.alb.ingress_cidr_blocks == tolist(["198.51.100.0/24"])
    error_message = "Without a certificate dev serves plain HTTP to the listed networks only."
  }

  assert {
    condition     = one([for e in module.service.container_definition.environment : e.value if e.name == "FOOTFALL_TRUSTED_PROXIES"]) == "10.20.0.0/24,10.20.1.0/24"
    error_message = "Only the ALB's subnets may set X-Forwarded-For."
  }

  assert {
    condition     = output.container_environment.environment.FOOTFALL_ARCHIVE_URL == "s3://footfall-dev-archive-123456789012/events"
    error_message = "The task writes the archive to its bucket and prefix."
  }

  assert {
    condition = [for s in jsondecode(module.service.tasks_iam_role_policy).Statement : [s.Action, s.Resource, try(s.Condition, null)] if startswith(s.Sid, "Archive")] == [
      [["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::footfall-dev-archive-123456789012/events/*"], null],
      [["s3:ListBucket"], ["arn:aws:s3:::footfall-dev-archive-123456789012"], { StringLike = { "s3:prefix" = ["events/*"] } }],
    ]
    error_message = "The task role reaches the archive prefix only."
  }

  assert {
    condition     = module.github_oidc.role_arn == null && module.lambda.function_name == null
    error_message = "Optional parts stay off by default."
  }

  assert {
    condition     = toset(module.monitoring.alarm_names) == toset(["footfall-dev-target-response-time-p99", "footfall-dev-unhealthy-hosts", "footfall-dev-no-healthy-hosts", "footfall-dev-5xx-rate", "footfall-dev-ecs-cpu", "footfall-dev-ecs-memory"]) && module.monitoring.budget_name == "footfall-dev-monthly"
    error_message = "Dev alarms on outages and errors (within the 10 free alarms) and has a budget."
  }

  assert {
    condition     = !module.service.enable_execute_command
    error_message = "ECS Exec is off unless asked for."
  }
}

run "open_http_is_refused" {
  command = plan

  variables {
    allowed_cidr_blocks = ["0.0.0.0/0"]
  }

  expect_failures = [var.allowed_cidr_blocks]
}

run "serverless_layout" {
  command = plan

  variables {
    layout         = "serverless"
    lambda_package = { s3_bucket = "artifacts", s3_key = "footfall.zip" }
  }

  assert {
    condition     = module.network.vpc_id == null && module.alb.arn == null && module.cluster.cluster_arn == null && module.service.service_name == null
    error_message = "The serverless layout has no VPC, load balancer, cluster or service: nothing billed by the hour."
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 0 && length(module.network.public_subnet_ids) == 0
    error_message = "No NAT, no subnet, no public IPv4."
  }

  assert {
    condition     = module.lambda.function_name == "footfall-dev-fn"
    error_message = "The app runs as the Lambda function."
  }

  assert {
    condition     = module.monitoring.budget_name == "footfall-dev-monthly"
    error_message = "The budget stays."
  }
}

run "lambda" {
  command = apply

  variables {
    enable_lambda  = true
    lambda_package = { s3_bucket = "footfall-builds", s3_key = "lambda.zip" }
  }

  assert {
    condition = [for s in jsondecode(module.lambda.role_policy).Statement : [s.Action, s.Resource, try(s.Condition, null)] if startswith(s.Sid, "Archive")] == [
      [["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::footfall-dev-archive-123456789012/events/*"], null],
      [["s3:ListBucket"], ["arn:aws:s3:::footfall-dev-archive-123456789012"], { StringLike = { "s3:prefix" = ["events/*"] } }],
    ]
    error_message = "The Lambda's role reaches the archive prefix only."
  }
}
