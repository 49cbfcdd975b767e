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

  name                               = var.name
  default_capacity_provider_strategy = { FARGATE = { weight = 1, base = 1 } }
  container_insights                 = "enabled"
  tags                               = local.tags
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

# The application's database role (docs/deploy.md, "The application's database role"):
# its password is generated and written once, write-only, into a JSON secret of the
# same shape as RDS's (username, password, host...). The app makes the role itself: at
# start, as the master (FOOTFALL_DATABASE_ADMIN_SECRET), it migrates and creates or
# updates the role with this password and only DML, TEMPORARY and the partition
# functions; then it connects as the role and re-reads this secret when refused.
# Rotation: raise db_app_password_version (or put a new value yourself), then roll the
# service: the next start sets the role's password from the secret, and running tasks
# re-read it on their next refused connection.
ephemeral "aws_secretsmanager_random_password" "db_app" {
  count    = var.generate_secrets ? 1 : 0
  provider = aws.secrets

  password_length     = 40
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "db_app" {
  #checkov:skip=CKV2_AWS_57:No rotation Lambda: the role's password follows the secret at the next task start (write a new version, roll the service; docs/deploy.md), and running tasks re-read it when refused.
  name_prefix             = "${var.name}-db-app-"
  description             = "Footfall's PostgreSQL application role (${var.db_app_username}): not the master; written write-only by Terraform"
  kms_key_id              = var.db_app_secret_kms_key_id
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "db_app" {
  secret_id = aws_secretsmanager_secret.db_app.id
  # Without generate_secrets: a placeholder the app refuses to make the role with.
  secret_string_wo = jsonencode({
    engine   = "postgres"
    host     = module.db.address
    port     = module.db.port
    dbname   = module.db.db_name
    username = var.db_app_username
    password = var.generate_secrets ? ephemeral.aws_secretsmanager_random_password.db_app[0].random_password : "CHANGE-ME-set-with-aws-secretsmanager-put-secret-value"
  })
  secret_string_wo_version = var.db_app_password_version
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
  # Behind CloudFront only CloudFront's origin-facing addresses reach the listeners:
  # the app trusts two hops of X-Forwarded-For then, which a direct client could forge.
  ingress_cidr_blocks     = var.enable_cloudfront ? [] : ["0.0.0.0/0"]
  ingress_prefix_list_ids = var.enable_cloudfront ? { cloudfront = data.aws_ec2_managed_prefix_list.cloudfront[0].id } : {}
  target_group            = { port = local.container_port }
  access_logs             = var.alb_access_logs_bucket == null ? null : { bucket = var.alb_access_logs_bucket, prefix = var.name }
  tags                    = local.tags
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

  container_image = "${data.aws_ecr_repository.app.repository_url}:${var.image_tag}"
  container_port  = local.container_port
  container_environment = {
    # The app connects as its own role, not the master; no password in the URL: the app
    # reads the role's secret and reads it again when the database refuses it (an
    # ECS-injected value would be stale until the task restarts). At start it uses the
    # RDS-managed master secret once to migrate and to grant the role its rights.
    FOOTFALL_DATABASE_URL             = "postgresql://${var.db_app_username}@${module.db.address}:${module.db.port}/${module.db.db_name}?sslmode=require"
    FOOTFALL_DATABASE_PASSWORD_SECRET = aws_secretsmanager_secret.db_app.arn
    FOOTFALL_DATABASE_ADMIN_SECRET    = module.db.master_user_secret_arn
    FOOTFALL_HOST                     = "0.0.0.0"
    FOOTFALL_PORT                     = tostring(local.container_port)
    FOOTFALL_LOG_LEVEL                = var.log_level
    # The ALB nodes only; behind CloudFront two hops (an edge, then the ALB), the
    # listeners admitting only CloudFront.
    FOOTFALL_TRUSTED_PROXIES = var.enable_cloudfront ? "2" : join(",", module.network.public_subnet_cidr_blocks)
    FOOTFALL_WORKERS         = tostring(var.workers)
    # The AUTH token is not in the URL; it arrives as FOOTFALL_REDIS_PASSWORD.
    FOOTFALL_REDIS_URL = module.redis.url
    # Closed days are written once to S3 as Parquet (src/footfall/archive.py).
    FOOTFALL_ARCHIVE_URL = module.archive.url
  }
  container_secrets = {
    FOOTFALL_SECRET_KEY     = aws_ssm_parameter.secret["secret-key"].arn
    FOOTFALL_ADMIN_TOKEN    = aws_ssm_parameter.secret["admin-token"].arn
    FOOTFALL_REDIS_PASSWORD = module.redis.auth_token_secret_arn
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
  enable_execute_command                 = var.enable_execute_command
  cloudwatch_log_group_retention_in_days = 30
  tasks_iam_role_exec_log_group_arn      = module.cluster.exec_log_group_arn
  task_exec_iam_role_ecr_repository_arns = [data.aws_ecr_repository.app.arn]
  # The app reads the database passwords itself (its role's, re-read after a rotation,
  # and the master's at start), and writes the archive prefix; the module adds the ECS
  # Exec permissions. A customer-managed key of the app's secret needs kms:Decrypt too.
  tasks_iam_role_statements = concat([{
    sid       = "DatabasePassword"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.db_app.arn, module.db.master_user_secret_arn]
    }], var.db_app_secret_kms_key_id == null ? [] : [{
    sid       = "DatabasePasswordKey"
    actions   = ["kms:Decrypt"]
    resources = [var.db_app_secret_kms_key_id]
  }], module.archive.iam_statements)

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
  alarm_emails            = [var.alarm_email]
  monthly_budget          = var.monthly_budget_usd == null ? null : { limit_usd = var.monthly_budget_usd }
  ecs_service_arn         = module.service.service_arn
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
  oidc_provider_arn    = coalesce(var.github_oidc_provider_arn, "arn:${data.aws_partition.oidc.partition}:iam::${data.aws_caller_identity.oidc.account_id}:oidc-provider/token.actions.githubusercontent.com")
  ecr_repository_arn   = data.aws_ecr_repository.app.arn
  ecs_cluster_arn      = module.cluster.cluster_arn
  ecs_service_arn      = module.service.service_arn
  pass_role_arns       = [module.service.task_exec_iam_role_arn, module.service.tasks_iam_role_arn]
  tags                 = local.tags
}

################################################################################
# Optional account trail (seed 002): off by default, an organisation trail may
# exist already. Management events only; about $0 for the first copy of
# management events plus S3 storage.
################################################################################

module "cloudtrail" {
  source = "../../modules/cloudtrail"

  create = var.enable_cloudtrail
  name   = "${var.name}-trail"
  tags   = local.tags
}

################################################################################
# Optional CloudFront (seeds 001, 003): the tracker script and the dashboard's
# static files from the edge, the rest passed to the ALB uncached. Off by default.
# domain_name then points at the distribution, and the ALB is reached by
# cloudfront_origin_domain_name, a name its certificate covers (docs/deploy.md).
################################################################################

data "aws_ec2_managed_prefix_list" "cloudfront" {
  count = var.enable_cloudfront ? 1 : 0
  name  = "com.amazonaws.global.cloudfront.origin-facing"
}

module "cdn" {
  source = "../../modules/cloudfront"

  create             = var.enable_cloudfront
  name               = var.name
  origin_domain_name = coalesce(var.cloudfront_origin_domain_name, "origin.${var.domain_name}")
  aliases            = [var.domain_name]
  certificate_arn    = coalesce(var.cloudfront_certificate_arn, var.certificate_arn)
  tags               = local.tags
}
