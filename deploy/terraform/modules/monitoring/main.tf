data "aws_region" "current" {
  count = var.create ? 1 : 0
}

locals {
  # Plain flags rather than null checks on the names: the names are often
  # unknown until apply, and for_each keys must be known at plan time.
  alb = var.create && var.enable_alb_alarms
  tg  = local.alb
  ecs = var.create && var.enable_ecs_alarms
  rds = var.create && var.enable_rds_alarms
  t   = var.thresholds

  alarm_actions = try([aws_sns_topic.this[0].arn], [])

  # Every alarm is listed; `on` picks the ones whose resources were given.
  # `missing` is what no data means: no traffic (or no tasks) is not an
  # incident for a rate, but no healthy host reported is one.
  all_alarms = {
    target-response-time-p99 = {
      on          = local.tg
      description = "p99 target response time is above the threshold (seconds)."
      namespace   = "AWS/ApplicationELB"
      metric      = "TargetResponseTime"
      statistic   = null
      extended    = "p99"
      comparison  = "GreaterThanThreshold"
      threshold   = local.t.target_response_time_p99
      missing     = "notBreaching"
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    unhealthy-hosts = {
      on          = local.tg
      description = "Some targets fail the load balancer's /health check."
      namespace   = "AWS/ApplicationELB"
      metric      = "UnHealthyHostCount"
      statistic   = "Maximum"
      extended    = null
      comparison  = "GreaterThanThreshold"
      threshold   = local.t.unhealthy_hosts
      missing     = "notBreaching"
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    no-healthy-hosts = {
      on          = local.tg && var.enable_no_healthy_hosts_alarm
      description = "No target is healthy: the load balancer answers 503 and visits are lost."
      namespace   = "AWS/ApplicationELB"
      metric      = "HealthyHostCount"
      statistic   = "Minimum"
      extended    = null
      comparison  = "LessThanThreshold"
      threshold   = 1
      missing     = "breaching"
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    ecs-cpu = {
      on          = local.ecs
      description = "Service CPU utilisation is high (autoscaling may be at its maximum)."
      namespace   = "AWS/ECS"
      metric      = "CPUUtilization"
      statistic   = "Average"
      extended    = null
      comparison  = "GreaterThanThreshold"
      threshold   = local.t.ecs_cpu_percent
      missing     = "notBreaching"
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
    }
    ecs-memory = {
      on          = local.ecs
      description = "Service memory utilisation is high."
      namespace   = "AWS/ECS"
      metric      = "MemoryUtilization"
      statistic   = "Average"
      extended    = null
      comparison  = "GreaterThanThreshold"
      threshold   = local.t.ecs_memory_percent
      missing     = "notBreaching"
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
    }
    rds-cpu = {
      on          = local.rds
      description = "Database CPU utilisation is high."
      namespace   = "AWS/RDS"
      metric      = "CPUUtilization"
      statistic   = "Average"
      extended    = null
      comparison  = "GreaterThanThreshold"
      threshold   = local.t.rds_cpu_percent
      missing     = "notBreaching"
      dimensions  = { DBInstanceIdentifier = var.rds_instance_identifier }
    }
  }
  alarms = { for k, v in local.all_alarms : k => v if v.on }
}

################################################################################
# The alarm topic, encrypted with a key CloudWatch, EventBridge and Budgets may
# use (the AWS-managed alias/aws/sns key admits no service: alarms published to
# it are dropped), and a subscriber that must be given.
################################################################################

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

locals {
  account_id = try(data.aws_caller_identity.current[0].account_id, "")
  partition  = try(data.aws_partition.current[0].partition, "aws")
  create_key = var.create && var.sns_topic_kms_key_id == null
  publishers = ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]
}

resource "aws_kms_key" "alarms" {
  count = local.create_key ? 1 : 0

  description             = "Alarm topic of ${var.name}: CloudWatch, EventBridge and Budgets publish through it"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # What SNS asks of the key on behalf of a publisher that is a service.
        Sid       = "AlarmPublishers"
        Effect    = "Allow"
        Principal = { Service = local.publishers }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "alarms" {
  count = local.create_key ? 1 : 0

  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.alarms[0].key_id
}

resource "aws_sns_topic" "this" {
  count = var.create ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = coalesce(var.sns_topic_kms_key_id, try(aws_kms_key.alarms[0].arn, null))
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  count = var.create ? 1 : 0

  arn = aws_sns_topic.this[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountManages"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action = [
          "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
          "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish",
        ]
        Resource = aws_sns_topic.this[0].arn
      },
      {
        Sid       = "ServicesOfThisAccountPublish"
        Effect    = "Allow"
        Principal = { Service = local.publishers }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this[0].arn
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.create ? toset(var.alarm_emails) : toset([])

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended
  dimensions          = each.value.dimensions
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = each.value.missing
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# 5xx answers (the targets' and the load balancer's own) as a share of all
# requests: a count threshold fires on busy days and misses quiet outages.
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  count = local.alb ? 1 : 0

  alarm_name          = "${var.name}-5xx-rate"
  alarm_description   = "More than ${local.t.error_rate_percent}% of requests answered 5xx."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.error_rate_percent
  evaluation_periods  = local.t.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)"
    label       = "5xx answers (%)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { requests = "RequestCount", target5xx = "HTTPCode_Target_5XX_Count", elb5xx = "HTTPCode_ELB_5XX_Count" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value
        dimensions  = { LoadBalancer = var.alb_arn_suffix }
        stat        = "Sum"
        period      = local.t.period_seconds
      }
    }
  }
}

################################################################################
# Failed deployments: ECS reports SERVICE_DEPLOYMENT_FAILED (the circuit
# breaker gave up and rolled back) on EventBridge; no metric carries it.
################################################################################

resource "aws_cloudwatch_event_rule" "deployment_failed" {
  count = local.ecs ? 1 : 0

  name        = "${var.name}-deployment-failed"
  description = "A deployment of ${var.name} failed (circuit breaker rollback)"
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Deployment State Change"]
    resources     = [var.ecs_service_arn]
    detail        = { eventName = ["SERVICE_DEPLOYMENT_FAILED"] }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "deployment_failed" {
  count = local.ecs ? 1 : 0

  rule = aws_cloudwatch_event_rule.deployment_failed[0].name
  arn  = aws_sns_topic.this[0].arn

  input_transformer {
    input_paths = { reason = "$.detail.reason", deployment = "$.detail.deploymentId", time = "$.time" }
    # A JSON string: the transformer replaces the placeholders inside it.
    input_template = "\"${var.name}: deployment <deployment> failed at <time>: <reason>\""
  }
}

################################################################################
# Cost: a monthly budget of the account with an alert on the forecast (before
# the money is spent) and one on the actual spend.
################################################################################

resource "aws_budgets_budget" "monthly" {
  count = var.create && var.monthly_budget != null ? 1 : 0

  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget.limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = var.monthly_budget.forecast_percent
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = var.alarm_emails
    subscriber_sns_topic_arns  = [aws_sns_topic.this[0].arn]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = var.monthly_budget.actual_percent
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = var.alarm_emails
    subscriber_sns_topic_arns  = [aws_sns_topic.this[0].arn]
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  count = local.rds ? 1 : 0

  alarm_name          = "${var.name}-rds-free-storage"
  alarm_description   = "Database free storage is low."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  statistic           = "Minimum"
  dimensions          = { DBInstanceIdentifier = var.rds_instance_identifier }
  comparison_operator = "LessThanThreshold"
  threshold           = local.t.rds_free_storage_bytes
  period              = 300
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

locals {
  region = try(data.aws_region.current[0].name, "us-east-1")

  widgets = concat(
    [for w in [
      {
        type = "metric", width = 12, height = 6
        properties = {
          title  = "Requests and errors"
          region = local.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
            [".", "HTTPCode_Target_5XX_Count", ".", "."],
            [".", "HTTPCode_Target_4XX_Count", ".", "."],
            [".", "HTTPCode_ELB_5XX_Count", ".", "."],
          ]
        }
      },
      {
        type = "metric", width = 12, height = 6
        properties = {
          title   = "Target response time (p50, p95, p99)"
          region  = local.region
          period  = 60
          metrics = [for p in ["p50", "p95", "p99"] : ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, { stat = p }]]
        }
      },
    ] : w if !(!local.alb)],
    [for w in [
      {
        type = "metric", width = 12, height = 6
        properties = {
          title  = "Service CPU and memory (%)"
          region = local.region
          stat   = "Average"
          period = 60
          metrics = [
            ["AWS/ECS", "CPUUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_service_name],
            [".", "MemoryUtilization", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "metric", width = 12, height = 6
        properties = {
          title   = "Running tasks"
          region  = local.region
          stat    = "Average"
          period  = 60
          metrics = [["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_service_name]]
        }
      },
    ] : w if !(!local.ecs)],
    [for w in [
      {
        type = "metric", width = 12, height = 6
        properties = {
          title  = "Healthy and unhealthy targets"
          region = local.region
          stat   = "Maximum"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.target_group_arn_suffix],
            [".", "UnHealthyHostCount", ".", ".", ".", "."],
          ]
        }
      },
    ] : w if !(!local.tg)],
    [for w in [
      {
        type = "metric", width = 12, height = 6
        properties = {
          title  = "Database CPU and connections"
          region = local.region
          stat   = "Average"
          period = 60
          metrics = [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", var.rds_instance_identifier],
            [".", "DatabaseConnections", ".", "."],
          ]
        }
      },
    ] : w if !(!local.rds)],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  count = local.alb || local.ecs || local.rds ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}
