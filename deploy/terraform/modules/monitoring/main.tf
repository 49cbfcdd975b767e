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
  all_alarms = {
    alb-5xx = {
      on          = local.alb
      description = "The targets answered 5xx."
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      statistic   = "Sum"
      extended    = null
      threshold   = local.t.alb_5xx_count
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
    alb-elb-5xx = {
      on          = local.alb
      description = "The load balancer itself answered 5xx (no healthy target, timeouts)."
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_ELB_5XX_Count"
      statistic   = "Sum"
      extended    = null
      threshold   = local.t.alb_5xx_count
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
    target-response-time = {
      on          = local.tg
      description = "p95 target response time is above the threshold (seconds)."
      namespace   = "AWS/ApplicationELB"
      metric      = "TargetResponseTime"
      statistic   = null
      extended    = "p95"
      threshold   = local.t.target_response_time_p95
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    unhealthy-hosts = {
      on          = local.tg
      description = "Some targets fail the /ready health check."
      namespace   = "AWS/ApplicationELB"
      metric      = "UnHealthyHostCount"
      statistic   = "Maximum"
      extended    = null
      threshold   = local.t.unhealthy_hosts
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    ecs-cpu = {
      on          = local.ecs
      description = "Service CPU utilisation is high (autoscaling may be at its maximum)."
      namespace   = "AWS/ECS"
      metric      = "CPUUtilization"
      statistic   = "Average"
      extended    = null
      threshold   = local.t.ecs_cpu_percent
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
    }
    ecs-memory = {
      on          = local.ecs
      description = "Service memory utilisation is high."
      namespace   = "AWS/ECS"
      metric      = "MemoryUtilization"
      statistic   = "Average"
      extended    = null
      threshold   = local.t.ecs_memory_percent
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
    }
    rds-cpu = {
      on          = local.rds
      description = "Database CPU utilisation is high."
      namespace   = "AWS/RDS"
      metric      = "CPUUtilization"
      statistic   = "Average"
      extended    = null
      threshold   = local.t.rds_cpu_percent
      dimensions  = { DBInstanceIdentifier = var.rds_instance_identifier }
    }
  }
  alarms = { for k, v in local.all_alarms : k => v if v.on }

}

resource "aws_sns_topic" "this" {
  count = var.create ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = var.sns_topic_kms_key_id
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.create && var.alarm_email != null ? 1 : 0

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
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
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  period              = local.t.period_seconds
  evaluation_periods  = local.t.evaluation_periods
  # No data means no traffic (or scaled to zero), which is not an incident.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
  tags               = var.tags
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
