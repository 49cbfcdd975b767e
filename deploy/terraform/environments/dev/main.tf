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
}

################################################################################
# Network: public subnets only, no NAT (NAT is $32/month per gateway). Tasks
# get a public IP to reach ECR, CloudWatch and DynamoDB; the DynamoDB gateway
# endpoint is free and keeps table traffic off the internet.
################################################################################

module "network" {
  source = "../../modules/network"

  name                   = var.name
  cidr                   = "10.20.0.0/16"
  azs                    = local.azs
  create_private_subnets = false
  nat_gateway            = { enabled = false }
  vpc_endpoints          = { dynamodb = true, s3 = true }
  tags                   = local.tags
}

module "ecr" {
  source = "../../modules/ecr"

  name         = var.name
  force_delete = true
  tags         = local.tags
}

module "cluster" {
  source = "../../modules/ecs-cluster"

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
# Secrets: the parameters are created with a placeholder that the operator
# replaces once (see docs/deploy.md); Terraform never reads or resets them.
################################################################################

resource "aws_ssm_parameter" "secret" {
  #checkov:skip=CKV_AWS_337:SecureString with the AWS-managed aws/ssm key; a CMK adds $1/month and key grants (supported via task_exec_iam_role_kms_key_arns).
  for_each = toset(["secret-key", "admin-token"])

  name        = "/${var.name}/${each.key}"
  description = "Footfall ${each.key}; set the real value with aws ssm put-parameter --overwrite"
  type        = "SecureString"
  value       = "CHANGE-ME-set-with-aws-ssm-put-parameter-overwrite"

  lifecycle {
    ignore_changes = [value]
  }
}

module "alb" {
  source = "../../modules/alb"

  name                = var.name
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.public_subnet_ids
  deletion_protection = false
  target_group        = { port = local.container_port }
  tags                = local.tags
}

module "service" {
  source = "../../modules/ecs-service"

  name         = var.name
  cluster_arn  = module.cluster.cluster_arn
  cluster_name = module.cluster.cluster_name
  vpc_id       = module.network.vpc_id
  # One AZ for the tasks; the second public subnet exists for the ALB only.
  subnet_ids       = [module.network.public_subnet_ids[0]]
  assign_public_ip = true

  capacity_provider_strategy = { FARGATE_SPOT = { weight = 1 } }
  cpu                        = 256
  memory                     = 512
  desired_count              = var.desired_count

  container_image = "${module.ecr.repository_url}:${var.image_tag}"
  container_port  = local.container_port
  container_environment = {
    FOOTFALL_DATABASE_URL    = "dynamodb://${module.table.table_name}?region=${var.region}"
    FOOTFALL_HOST            = "0.0.0.0"
    FOOTFALL_PORT            = tostring(local.container_port)
    FOOTFALL_LOG_LEVEL       = var.log_level
    FOOTFALL_TRUSTED_PROXIES = module.network.vpc_cidr_block # the ALB nodes; see docs/deploy.md
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
  cloudwatch_log_group_retention_in_days = 7
  tasks_iam_role_exec_log_group_arn      = module.cluster.exec_log_group_arn

  task_exec_iam_role_ecr_repository_arns = [module.ecr.repository_arn]
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
  alarm_email             = var.alarm_email
  enable_alb_alarms       = true
  enable_ecs_alarms       = true
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  ecs_cluster_name        = module.cluster.cluster_name
  ecs_service_name        = module.service.service_name
  tags                    = local.tags
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  create               = var.github_repository != null
  name                 = "${var.name}-deploy"
  repository           = coalesce(var.github_repository, "unset/unset")
  environment          = var.github_environment
  create_oidc_provider = var.create_github_oidc_provider
  oidc_provider_arn    = var.github_oidc_provider_arn
  ecr_repository_arn   = module.ecr.repository_arn
  ecs_cluster_arn      = module.cluster.cluster_arn
  ecs_service_arn      = module.service.service_arn
  pass_role_arns       = [module.service.task_exec_iam_role_arn, module.service.tasks_iam_role_arn]
  tags                 = local.tags
}

module "lambda" {
  source = "../../modules/lambda"

  create  = var.enable_lambda
  name    = "${var.name}-fn"
  package = var.enable_lambda ? var.lambda_package : { filename = "unused.zip" }
  environment_variables = {
    FOOTFALL_DATABASE_URL = "dynamodb://${module.table.table_name}?region=${var.region}"
    FOOTFALL_LOG_LEVEL    = var.log_level
    FOOTFALL_ARCHIVE_URL  = module.archive.url
  }
  iam_role_statements = concat([{
    sid       = "OneTable"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    resources = concat([module.table.table_arn], module.table.index_arns)
  }], module.archive.iam_statements)
  cloudwatch_log_group_retention_in_days = 7
  tags                                   = local.tags
}
