# The whole prod stack against a mock provider. Values the assertions need
# from AWS (AZs, the RDS secret ARN) are pinned with overrides.

mock_provider "aws" {
  mock_data "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/footfall"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/footfall"
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
  mock_data "aws_ec2_managed_prefix_list" {
    defaults = { id = "pl-3b927c52" }
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
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:footfall-redis-auth-XyZ123" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-mock" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { id = "footfall-archive-123456789012", arn = "arn:aws:s3:::footfall-archive-123456789012" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:footfall-alarms" }
  }
}

override_resource {
  target = module.db.aws_security_group.this[0]
  values = { id = "sg-db" }
}

override_resource {
  target = aws_secretsmanager_secret.db_app
  values = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:footfall-db-app-20260101-AbC" }
}

override_resource {
  target = module.redis.aws_security_group.this[0]
  values = { id = "sg-redis" }
}

override_resource {
  target = module.redis.aws_elasticache_replication_group.this[0]
  values = { primary_endpoint_address = "master.footfall.abc123.use1.cache.amazonaws.com" }
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
  generate_secrets  = false
  certificate_arn   = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
  github_repository = "acme/footfall"
  alarm_email       = "ops@example.com"
  domain_name       = "stats.example.com"
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
    condition     = jsonencode(module.alb.ingress_sources) == jsonencode({ cidr_blocks = ["0.0.0.0/0"], prefix_list_ids = [] }) && module.cdn.domain_name == null
    error_message = "Without CloudFront (the default) the listeners admit everyone, and no distribution is made."
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
    condition     = startswith(one([for e in module.service.container_definition.environment : e.value if e.name == "FOOTFALL_DATABASE_URL"]), "postgresql://footfall_app@footfall.abc123.us-east-1.rds.amazonaws.com:5432/footfall")
    error_message = "FOOTFALL_DATABASE_URL must point at the RDS endpoint as the application role (not the master), without the password."
  }

  assert {
    condition     = output.container_environment.environment["FOOTFALL_DATABASE_PASSWORD_SECRET"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:footfall-db-app-20260101-AbC" && !contains(keys(output.container_environment.secrets), "FOOTFALL_DATABASE_PASSWORD")
    error_message = "The app reads its role's password from the role's secret itself (re-read after rotation), not from a value injected at task start."
  }

  assert {
    condition     = output.container_environment.environment["FOOTFALL_DATABASE_ADMIN_SECRET"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"
    error_message = "The app migrates and grants its role with the RDS-managed master secret at start."
  }

  assert {
    condition     = aws_secretsmanager_secret_version.db_app.secret_string_wo_version == 1 && aws_secretsmanager_secret_version.db_app.secret_string == null
    error_message = "The application role's password is written write-only: never in the plan or the state."
  }

  assert {
    condition     = toset(one([for s in jsondecode(module.service.task_exec_iam_role_policy).Statement : s.Resource if s.Sid == "SecretsManagerSecrets"])) == toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:footfall-redis-auth-XyZ123"])
    error_message = "The execution role must read only the Redis secret."
  }

  assert {
    condition     = output.container_environment.environment["FOOTFALL_REDIS_URL"] == "rediss://master.footfall.abc123.use1.cache.amazonaws.com:6379/0"
    error_message = "FOOTFALL_REDIS_URL must be TLS to the ElastiCache primary, without the token."
  }

  assert {
    condition     = output.container_environment.secrets["FOOTFALL_REDIS_PASSWORD"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:footfall-redis-auth-XyZ123"
    error_message = "The Redis AUTH token must come from its Secrets Manager secret."
  }

  assert {
    condition     = module.redis.primary_endpoint_address != null && toset(module.network.private_subnet_ids) == toset(module.redis.subnet_ids)
    error_message = "Redis must live in the private subnets."
  }

  assert {
    condition = jsonencode(module.service.security_group_egress) == jsonencode({
      "https 0.0.0.0/0" = { cidr_ipv4 = "0.0.0.0/0", port = 443, referenced_security_group_id = null }
      postgres          = { cidr_ipv4 = null, port = 5432, referenced_security_group_id = "sg-db" }
      redis             = { cidr_ipv4 = null, port = 6379, referenced_security_group_id = "sg-redis" }
    })
    error_message = "Inside the VPC the tasks may reach RDS and Redis only (443 for AWS APIs)."
  }

  assert {
    condition = [for s in jsondecode(module.service.tasks_iam_role_policy).Statement : s if !startswith(s.Sid, "EcsExec")] == [
      {
        Sid      = "DatabasePassword"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:footfall-db-app-20260101-AbC", "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"]
      },
      {
        Sid      = "ArchiveObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["arn:aws:s3:::footfall-archive-123456789012/events/*"]
      },
      {
        Sid       = "ArchiveList"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::footfall-archive-123456789012"]
        Condition = { StringLike = { "s3:prefix" = ["events/*"] } }
      },
    ]
    error_message = "The task role may read the two database secrets and reach the archive prefix, and nothing else besides ECS Exec."
  }

  assert {
    condition     = output.container_environment.environment.FOOTFALL_ARCHIVE_URL == "s3://footfall-archive-123456789012/events"
    error_message = "The task writes the archive to its bucket and prefix."
  }

  assert {
    condition     = !module.service.enable_execute_command && module.service.container_definition.readonlyRootFilesystem
    error_message = "ECS Exec is off in prod by default, and the root filesystem read-only."
  }

  assert {
    condition     = jsondecode(module.github_oidc.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:acme/footfall:environment:production"]
    error_message = "The prod deploy role trusts jobs of the production environment only."
  }

  assert {
    condition     = toset(module.monitoring.alarm_names) == toset(["footfall-target-response-time-p99", "footfall-unhealthy-hosts", "footfall-no-healthy-hosts", "footfall-5xx-rate", "footfall-ecs-cpu", "footfall-ecs-memory", "footfall-rds-cpu", "footfall-rds-free-storage"]) && module.monitoring.budget_name == "footfall-monthly" && module.monitoring.deployment_failed_rule_name == "footfall-deployment-failed"
    error_message = "p99 latency, unhealthy and no healthy hosts, 5xx rate, ECS and RDS alarms, failed deployments and a budget expected."
  }
}

run "behind_cloudfront" {
  command = plan

  variables {
    enable_cloudfront = true
  }

  assert {
    condition     = jsonencode(module.cdn.cached_path_patterns) == jsonencode(["/js/*", "/static/*"])
    error_message = "CloudFront caches the tracker and the static files."
  }

  assert {
    condition     = output.container_environment.environment["FOOTFALL_TRUSTED_PROXIES"] == "2"
    error_message = "Behind CloudFront the app trusts two hops (an edge, then the ALB)."
  }

  assert {
    condition     = jsonencode(module.alb.ingress_sources) == jsonencode({ cidr_blocks = [], prefix_list_ids = ["pl-3b927c52"] })
    error_message = "Behind CloudFront the listeners admit CloudFront's origin-facing prefix list only (a direct client could forge X-Forwarded-For)."
  }
}
