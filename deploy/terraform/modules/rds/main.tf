locals {
  port = 5432
  # Encrypted connections only, DDL and slow statements logged.
  parameters = merge({
    "rds.force_ssl"              = "1"
    "log_statement"              = "ddl"
    "log_min_duration_statement" = "500"
  }, var.parameters)
}

resource "aws_db_subnet_group" "this" {
  count = var.create ? 1 : 0

  name_prefix = "${var.identifier}-"
  description = "Subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_db_parameter_group" "this" {
  count = var.create ? 1 : 0

  name_prefix = "${var.identifier}-"
  description = "Parameters of ${var.identifier}"
  family      = "postgres15"

  dynamic "parameter" {
    for_each = local.parameters
    content {
      name         = parameter.key
      value        = parameter.value
      apply_method = "pending-reboot"
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0

  name_prefix = "${var.identifier}-db-"
  description = "PostgreSQL ${var.identifier}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.identifier}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = var.create ? var.allowed_security_group_ids : {}

  security_group_id            = aws_security_group.this[0].id
  description                  = "PostgreSQL from ${each.key}"
  referenced_security_group_id = each.value
  from_port                    = local.port
  to_port                      = local.port
  ip_protocol                  = "tcp"
  tags                         = var.tags
}

resource "aws_iam_role" "monitoring" {
  count = var.create && var.monitoring_interval > 0 ? 1 : 0

  name_prefix = "${var.identifier}-rds-mon-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
    }]
  })
  tags = var.tags
}

data "aws_partition" "current" {
  count = var.create && var.monitoring_interval > 0 ? 1 : 0
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.create && var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current[0].partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# RDS creates its log groups on first export, without retention (kept
# forever); creating them first with a retention takes that over.
locals {
  log_exports = ["postgresql", "upgrade"]
}

resource "aws_cloudwatch_log_group" "exports" {
  #checkov:skip=CKV_AWS_338:Retention is an input (default 30 days); a privacy-first service keeps operational logs short. Raise it where policy requires.
  for_each = var.create ? toset(local.log_exports) : toset([])

  name              = "/aws/rds/instance/${var.identifier}/${each.key}"
  retention_in_days = var.cloudwatch_log_group_retention_in_days
  kms_key_id        = var.cloudwatch_log_group_kms_key_id
  tags              = var.tags
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV2_AWS_69:rds.force_ssl = 1 is set in the parameter group (local.parameters); checkov cannot follow the merge().
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_157:multi_az is an input; prod turns it on, a single-AZ instance is a cost choice for smaller setups.
  #checkov:skip=CKV_AWS_118:Enhanced monitoring is an input (monitoring_interval); CloudWatch basic metrics and Performance Insights cover the default.
  #checkov:skip=CKV_AWS_354:Performance Insights uses the AWS-managed key unless performance_insights.kms_key_id is given.
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.db_name
  port           = local.port

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_user_secret_kms_key_id
  # The app connects with the master password from Secrets Manager; IAM
  # authentication is on for operators' short-lived tokens.
  iam_database_authentication_enabled = true

  storage_type          = "gp3"
  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage > 0 ? var.max_allocated_storage : null
  storage_encrypted     = true
  kms_key_id            = var.kms_key_id

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this[0].name
  vpc_security_group_ids = [aws_security_group.this[0].id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this[0].name

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${var.identifier}-final"

  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = local.log_exports

  performance_insights_enabled          = var.performance_insights.enabled
  performance_insights_retention_period = var.performance_insights.enabled ? var.performance_insights.retention_period : null
  performance_insights_kms_key_id       = var.performance_insights.enabled ? var.performance_insights.kms_key_id : null

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  tags = merge(var.tags, { Name = var.identifier })

  depends_on = [aws_cloudwatch_log_group.exports]
}
