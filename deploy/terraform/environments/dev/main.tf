data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first two names are used (slice), so a new AZ changes nothing; var.availability_zones pins them explicitly.
  state = "available"
}

locals {
  tags = merge({
    Project     = "footfall"
    Environment = "dev"
    ManagedBy   = "terraform"
  }, var.tags)

  azs = length(var.availability_zones) > 0 ? var.availability_zones : slice(data.aws_availability_zones.available.names, 0, 2)

  container_port = 8000

  # layout = "serverless": no VPC, ALB, ECS or public IPv4 at all; the app runs
  # as a Lambda behind an HTTP API on the same DynamoDB table (docs/deploy.md,
  # Costs: close to $0 at low volume).
  fargate = var.layout == "fargate"
}

################################################################################
# Network: public subnets only, no NAT (NAT is $32/month per gateway). Tasks
# get a public IP to reach ECR, CloudWatch and DynamoDB; the DynamoDB gateway
# endpoint is free and keeps table traffic off the internet.
################################################################################

module "network" {
  source = "../../modules/network"

  create = local.fargate

  name                   = var.name
  cidr                   = "10.20.0.0/16"
  azs                    = local.azs
  create_private_subnets = false
  nat_gateway            = { enabled = false }
  vpc_endpoints          = { dynamodb = true, s3 = true }
  tags                   = local.tags
}

# The image repository comes from the bootstrap root (deploy/terraform/bootstrap):
# CI pushes the commit's image there before this environment's service points at
# it, so a first deploy works from an empty account.
data "aws_ecr_repository" "app" {
  name = var.ecr_repository_name
}

# The account's GitHub OIDC provider, created by the bootstrap root.
data "aws_caller_identity" "oidc" {}

data "aws_partition" "oidc" {}

module "cluster" {
  source = "../../modules/ecs-cluster"

  create = local.fargate

  name = var.name
  # Spot is about 70% cheaper; an interruption just restarts the task.
  default_capacity_provider_strategy = { FARGATE_SPOT = { weight = 1 } }
  container_insights                 = "disabled"
  tags                               = local.tags
}

module "table" {
  source = "../../modules/dynamodb"

  name                        = var.name
  deletion_protection_enabled = false
  tags                        = local.tags
}

# Closed days as Parquet (FOOTFALL_ARCHIVE_URL); the task and the Lambda reach
# only its prefix. force_destroy: dev is disposable.
module "archive" {
  source = "../../modules/archive"

  name          = "${var.name}-archive"
  force_destroy = true
  tags          = local.tags
}

################################################################################
# Secrets: Terraform writes a random secret key and admin token once, write-only
# (value_wo: the value never enters the plan or the state). Raising
# secrets_version writes new ones; an operator may also overwrite them with
# aws ssm put-parameter, Terraform never reads them back (docs/deploy.md).
################################################################################

# Through its own provider configuration: the offline tests mock "aws", and
# mock providers have no ephemeral resources yet.
ephemeral "aws_secretsmanager_random_password" "secret" {
  for_each = var.generate_secrets ? toset(["secret-key", "admin-token"]) : toset([])
  provider = aws.secrets

  password_length     = 48
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "secret" {
  #checkov:skip=CKV_AWS_337:SecureString with the AWS-managed aws/ssm key; a CMK adds $1/month and key grants (supported via task_exec_iam_role_kms_key_arns).
  for_each = toset(["secret-key", "admin-token"])

  name        = "/${var.name}/${each.key}"
  description = "Footfall ${each.key} (random, written by Terraform write-only; raise secrets_version to replace it)"
  type        = "SecureString"
  # Without generate_secrets: a placeholder the app refuses to start with.
  value_wo         = var.generate_secrets ? ephemeral.aws_secretsmanager_random_password.secret[each.key].random_password : "CHANGE-ME-set-with-aws-ssm-put-parameter-overwrite"
  value_wo_version = var.secrets_version
}

module "alb" {
  source = "../../modules/alb"

  create = local.fargate

  name                = var.name
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.public_subnet_ids
  deletion_protection = false
  target_group        = { port = local.container_port }
  certificate_arn     = var.certificate_arn
  ingress_cidr_blocks = var.allowed_cidr_blocks
  tags                = local.tags
}

module "service" {
  source = "../../modules/ecs-service"

  create = local.fargate

  name         = var.name
  cluster_arn  = module.cluster.cluster_arn
  cluster_name = module.cluster.cluster_name
  vpc_id       = module.network.vpc_id
  # One AZ for the tasks; the second public subnet exists for the ALB only.
  subnet_ids       = slice(module.network.public_subnet_ids, 0, min(1, length(module.network.public_subnet_ids)))
  assign_public_ip = true

  capacity_provider_strategy = { FARGATE_SPOT = { weight = 1 } }
  cpu                        = 256
  memory                     = 512
  desired_count              = var.desired_count

  container_image = "${data.aws_ecr_repository.app.repository_url}:${var.image_tag}"
  container_port  = local.container_port
  container_environment = {
    FOOTFALL_DATABASE_URL    = "dynamodb://${module.table.table_name}?region=${var.region}"
    FOOTFALL_PUBLIC_URL      = var.domain_name != null ? "https://${var.domain_name}" : "${var.certificate_arn != null ? "https" : "http"}://${coalesce(module.alb.dns_name, "unused")}"
    FOOTFALL_HOST            = "0.0.0.0"
    FOOTFALL_PORT            = tostring(local.container_port)
    FOOTFALL_LOG_LEVEL       = var.log_level
    FOOTFALL_TRUSTED_PROXIES = join(",", module.network.public_subnet_cidr_blocks) # the ALB nodes only
    FOOTFALL_WORKERS         = "1"
    FOOTFALL_ARCHIVE_URL     = module.archive.url
  }
  container_secrets = {
    FOOTFALL_SECRET_KEY  = aws_ssm_parameter.secret["secret-key"].arn
    FOOTFALL_ADMIN_TOKEN = aws_ssm_parameter.secret["admin-token"].arn
  }

  load_balancer                                    = { target_group_arn = module.alb.target_group_arn }
  security_group_ingress_source_security_group_ids = { alb = module.alb.security_group_id }

  ignore_task_definition_changes         = true
  enable_execute_command                 = var.enable_execute_command
  cloudwatch_log_group_retention_in_days = 7
  tasks_iam_role_exec_log_group_arn      = module.cluster.exec_log_group_arn

  task_exec_iam_role_ecr_repository_arns = [data.aws_ecr_repository.app.arn]
  tasks_iam_role_statements = concat([{
    sid = "OneTable"
    actions = [
      "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem",
      "dynamodb:Query", "dynamodb:UpdateItem",
    ]
    resources = concat([module.table.table_arn], module.table.index_arns)
  }], module.archive.iam_statements)

  autoscaling_min_capacity = 1
  autoscaling_max_capacity = 2
  autoscaling_policies     = { cpu_target = 70, memory_target = 80 }
  autoscaling_scheduled_actions = var.scale_to_zero_at_night.enabled ? {
    night = {
      schedule     = var.scale_to_zero_at_night.stop_cron
      timezone     = var.scale_to_zero_at_night.timezone
      min_capacity = 0
      max_capacity = 0
    }
    morning = {
      schedule     = var.scale_to_zero_at_night.start_cron
      timezone     = var.scale_to_zero_at_night.timezone
      min_capacity = 1
      max_capacity = 2
    }
  } : {}

  tags = local.tags

  depends_on = [module.alb]
}

module "monitoring" {
  source = "../../modules/monitoring"

  create                  = var.enable_monitoring
  name                    = var.name
  alarm_emails            = [var.alarm_email]
  monthly_budget          = var.monthly_budget_usd == null ? null : { limit_usd = var.monthly_budget_usd }
  ecs_service_arn         = module.service.service_arn
  enable_alb_alarms       = local.fargate
  enable_ecs_alarms       = local.fargate
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  ecs_cluster_name        = module.cluster.cluster_name
  ecs_service_name        = module.service.service_name
  # At night the service has no task on purpose when scale_to_zero_at_night is on.
  enable_no_healthy_hosts_alarm = !var.scale_to_zero_at_night.enabled
  tags                          = local.tags
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  create               = var.github_repository != null && local.fargate
  name                 = "${var.name}-deploy"
  repository           = coalesce(var.github_repository, "unset/unset")
  environment          = var.github_environment
  create_oidc_provider = var.create_github_oidc_provider
  oidc_provider_arn    = coalesce(var.github_oidc_provider_arn, "arn:${data.aws_partition.oidc.partition}:iam::${data.aws_caller_identity.oidc.account_id}:oidc-provider/token.actions.githubusercontent.com")
  ecr_repository_arn   = data.aws_ecr_repository.app.arn
  ecs_cluster_arn      = module.cluster.cluster_arn
  ecs_service_arn      = module.service.service_arn
  pass_role_arns       = [module.service.task_exec_iam_role_arn, module.service.tasks_iam_role_arn]
  tags                 = local.tags
}

module "lambda" {
  source = "../../modules/lambda"

  create  = var.enable_lambda || !local.fargate
  name    = "${var.name}-fn"
  package = var.enable_lambda || !local.fargate ? var.lambda_package : { filename = "unused.zip" }
  environment_variables = {
    FOOTFALL_DATABASE_URL = "dynamodb://${module.table.table_name}?region=${var.region}"
    FOOTFALL_LOG_LEVEL    = var.log_level
    FOOTFALL_ARCHIVE_URL  = module.archive.url
    # Lambda cannot inject SecureStrings: the app reads them at cold start.
    FOOTFALL_SECRET_KEY  = "ssm:${aws_ssm_parameter.secret["secret-key"].name}"
    FOOTFALL_ADMIN_TOKEN = "ssm:${aws_ssm_parameter.secret["admin-token"].name}"
  }
  iam_role_statements = concat([
    {
      sid       = "OneTable"
      actions   = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
      resources = concat([module.table.table_arn], module.table.index_arns)
    },
    {
      sid       = "Secrets"
      actions   = ["ssm:GetParameter"]
      resources = [for p in aws_ssm_parameter.secret : p.arn]
    },
  ], module.archive.iam_statements)
  cloudwatch_log_group_retention_in_days = 7
  tags                                   = local.tags
}
