# ECS Exec sessions are audited to this log group.
resource "aws_cloudwatch_log_group" "exec" {
  #checkov:skip=CKV_AWS_338:Retention is an input (default 30 days); a privacy-first service keeps operational logs short. Raise it where policy requires.
  count = var.create ? 1 : 0

  name              = "/aws/ecs/${var.name}/exec"
  retention_in_days = var.execute_command_log_retention_in_days
  kms_key_id        = var.cloudwatch_log_group_kms_key_id
  tags              = var.tags
}

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:container_insights is an input (default enabled); dev turns it off because Container Insights bills custom metrics.
  #checkov:skip=CKV_AWS_224:ECS Exec sessions are logged to CloudWatch; encrypting the session channel with a CMK is an optional cost left out here.
  count = var.create ? 1 : 0

  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  configuration {
    execute_command_configuration {
      logging = "OVERRIDE"
      log_configuration {
        cloud_watch_log_group_name = aws_cloudwatch_log_group.exec[0].name
      }
    }
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  count = var.create ? 1 : 0

  cluster_name       = aws_ecs_cluster.this[0].name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  dynamic "default_capacity_provider_strategy" {
    for_each = var.default_capacity_provider_strategy
    content {
      capacity_provider = default_capacity_provider_strategy.key
      weight            = default_capacity_provider_strategy.value.weight
      base              = default_capacity_provider_strategy.value.base
    }
  }
}
