data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first two names are used (slice), so a new AZ changes nothing; var.availability_zones pins them explicitly.
  state = "available"
}

locals {
  tags = merge({
    Project     = "footfall"
    Environment = "prod"
    ManagedBy   = "terraform"
  }, var.tags)

  azs            = length(var.availability_zones) > 0 ? var.availability_zones : slice(data.aws_availability_zones.available.names, 0, 2)
  container_port = 8000
}

module "network" {
  source = "../../modules/network"

  name                   = var.name
  cidr                   = "10.30.0.0/16"
  azs                    = local.azs
  create_private_subnets = true
  nat_gateway            = { enabled = true, single = var.single_nat_gateway }
  vpc_endpoints = {
    s3       = true
    dynamodb = true
    ecr_api  = var.interface_endpoints
    ecr_dkr  = var.interface_endpoints
    logs     = var.interface_endpoints
  }
  flow_log = { enabled = true, retention_in_days = 30 }
  tags     = local.tags
}

module "ecr" {
  source = "../../modules/ecr"

  name = var.name
  tags = local.tags
}

module "cluster" {
  source = "../../modules/ecs-cluster"

  name                               = var.name
  default_capacity_provider_strategy = { FARGATE = { weight = 1, base = 1 } }
  container_insights                 = "enabled"
  tags                               = local.tags
}

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

# Closed days as Parquet (FOOTFALL_ARCHIVE_URL); the task reaches only its prefix.
module "archive" {
  source = "../../modules/archive"

  name        = "${var.name}-archive"
  kms_key_arn = var.archive_kms_key_arn
  tags        = local.tags
}

module "alb" {
  source = "../../modules/alb"

  name            = var.name
  vpc_id          = module.network.vpc_id
  subnet_ids      = module.network.public_subnet_ids
  certificate_arn = var.certificate_arn
  target_group    = { port = local.container_port }
  access_logs     = var.alb_access_logs_bucket == null ? null : { bucket = var.alb_access_logs_bucket, prefix = var.name }
  tags            = local.tags
}

module "db" {
  source = "../../modules/rds"

  identifier                 = var.name
  instance_class             = var.db_instance_class
  multi_az                   = var.db_multi_az
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = { service = module.service.security_group_id }
  backup_retention_period    = 14
  deletion_protection        = true
  performance_insights       = { enabled = var.db_performance_insights }
  tags                       = local.tags
}

# Shared rate limits and cache news for the 2 to 10 tasks (docs/deploy.md): TLS and
# an AUTH token from Secrets Manager, reachable only from the tasks.
module "redis" {
  source = "../../modules/redis"

  name                       = var.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = { service = module.service.security_group_id }
  node_type                  = var.redis_node_type
  num_cache_clusters         = var.redis_num_cache_clusters
  tags                       = local.tags
}

module "service" {
  source = "../../modules/ecs-service"

  name             = var.name
  cluster_arn      = module.cluster.cluster_arn
  cluster_name     = module.cluster.cluster_name
  vpc_id           = module.network.vpc_id
  subnet_ids       = module.network.private_subnet_ids
  assign_public_ip = false

  capacity_provider_strategy = { FARGATE = { weight = 1, base = 1 } }
  cpu                        = var.task_cpu
  memory                     = var.task_memory
  desired_count              = var.autoscaling_min_capacity

  container_image = "${module.ecr.repository_url}:${var.image_tag}"
  container_port  = local.container_port
  container_environment = {
    # The password is not in the URL; it arrives as FOOTFALL_DATABASE_PASSWORD.
    FOOTFALL_DATABASE_URL    = "postgresql://${module.db.master_username}@${module.db.address}:${module.db.port}/${module.db.db_name}?sslmode=require"
    FOOTFALL_HOST            = "0.0.0.0"
    FOOTFALL_PORT            = tostring(local.container_port)
    FOOTFALL_LOG_LEVEL       = var.log_level
    FOOTFALL_TRUSTED_PROXIES = module.network.vpc_cidr_block # the ALB nodes; see docs/deploy.md
    FOOTFALL_WORKERS         = tostring(var.workers)
    # The AUTH token is not in the URL; it arrives as FOOTFALL_REDIS_PASSWORD.
    FOOTFALL_REDIS_URL = module.redis.url
    # Closed days are written once to S3 as Parquet (src/footfall/archive.py).
    FOOTFALL_ARCHIVE_URL = module.archive.url
  }
  container_secrets = {
    FOOTFALL_DATABASE_PASSWORD = "${module.db.master_user_secret_arn}:password::"
    FOOTFALL_SECRET_KEY        = aws_ssm_parameter.secret["secret-key"].arn
    FOOTFALL_ADMIN_TOKEN       = aws_ssm_parameter.secret["admin-token"].arn
    FOOTFALL_REDIS_PASSWORD    = module.redis.auth_token_secret_arn
  }

  load_balancer                                    = { target_group_arn = module.alb.target_group_arn }
  security_group_ingress_source_security_group_ids = { alb = module.alb.security_group_id }
  # Inside the VPC the tasks reach the database and Redis only (443 stays open for
  # ECR, Secrets Manager and CloudWatch Logs through NAT or the endpoints).
  security_group_egress_rules = {
    postgres = { port = 5432, referenced_security_group_id = module.db.security_group_id, description = "PostgreSQL (RDS)" }
    redis    = { port = 6379, referenced_security_group_id = module.redis.security_group_id, description = "Redis (ElastiCache)" }
  }

  ignore_task_definition_changes         = true
  cloudwatch_log_group_retention_in_days = 30
  tasks_iam_role_exec_log_group_arn      = module.cluster.exec_log_group_arn
  task_exec_iam_role_ecr_repository_arns = [module.ecr.repository_arn]
  # With PostgreSQL the app's only AWS API is the archive prefix; the module adds
  # the ECS Exec permissions.
  tasks_iam_role_statements = module.archive.iam_statements

  autoscaling_min_capacity = var.autoscaling_min_capacity
  autoscaling_max_capacity = var.autoscaling_max_capacity
  autoscaling_policies = {
    cpu_target        = 60
    memory_target     = 75
    alb_request_count = var.autoscaling_requests_per_target
  }
  autoscaling_alb_resource_label = module.alb.request_count_resource_label

  tags = local.tags

  depends_on = [module.alb]
}

module "monitoring" {
  source = "../../modules/monitoring"

  name                    = var.name
  alarm_email             = var.alarm_email
  enable_alb_alarms       = true
  enable_ecs_alarms       = true
  enable_rds_alarms       = true
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  ecs_cluster_name        = module.cluster.cluster_name
  ecs_service_name        = module.service.service_name
  rds_instance_identifier = module.db.instance_identifier
  tags                    = local.tags
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  name                 = "${var.name}-deploy"
  repository           = var.github_repository
  environment          = var.github_environment
  create_oidc_provider = var.create_github_oidc_provider
  oidc_provider_arn    = var.github_oidc_provider_arn
  ecr_repository_arn   = module.ecr.repository_arn
  ecs_cluster_arn      = module.cluster.cluster_arn
  ecs_service_arn      = module.service.service_arn
  pass_role_arns       = [module.service.task_exec_iam_role_arn, module.service.tasks_iam_role_arn]
  tags                 = local.tags
}
