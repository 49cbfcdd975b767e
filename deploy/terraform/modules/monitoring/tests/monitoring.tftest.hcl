# Alarms that reach someone: a customer key services may use, a subscriber,
# the alarms an outage trips, failed deployments, a budget (mock provider).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/alarms" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:ff-alarms" }
  }
}

variables {
  name                    = "ff"
  alarm_emails            = ["ops@example.com"]
  enable_alb_alarms       = true
  enable_ecs_alarms       = true
  enable_rds_alarms       = true
  alb_arn_suffix          = "app/ff/1"
  target_group_arn_suffix = "targetgroup/ff/2"
  ecs_cluster_name        = "ff"
  ecs_service_name        = "ff"
  ecs_service_arn         = "arn:aws:ecs:us-east-1:123456789012:service/ff/ff"
  rds_instance_identifier = "ff"
  monthly_budget          = { limit_usd = 50 }
}

run "everything" {
  command = apply

  assert {
    condition     = aws_sns_topic.this[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/alarms" && aws_kms_key.alarms[0].enable_key_rotation
    error_message = "The topic is encrypted with its own rotated customer key, not alias/aws/sns."
  }

  assert {
    condition     = toset(one([for s in jsondecode(aws_kms_key.alarms[0].policy).Statement : s.Principal.Service if s.Sid == "AlarmPublishers"])) == toset(["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]) && toset(one([for s in jsondecode(aws_kms_key.alarms[0].policy).Statement : s.Action if s.Sid == "AlarmPublishers"])) == toset(["kms:Decrypt", "kms:GenerateDataKey*"])
    error_message = "CloudWatch, EventBridge and Budgets may use the key to publish, and nothing more."
  }

  assert {
    condition     = one([for s in jsondecode(aws_sns_topic_policy.this[0].policy).Statement : s.Condition.StringEquals["aws:SourceAccount"] if s.Sid == "ServicesOfThisAccountPublish"]) == "123456789012"
    error_message = "Services publish to the topic on behalf of this account only."
  }

  assert {
    condition     = [for s in aws_sns_topic_subscription.email : s.endpoint] == ["ops@example.com"]
    error_message = "The subscriber is subscribed."
  }

  assert {
    condition = toset(output.alarm_names) == toset([
      "ff-target-response-time-p99", "ff-unhealthy-hosts", "ff-no-healthy-hosts", "ff-5xx-rate",
      "ff-ecs-cpu", "ff-ecs-memory", "ff-rds-cpu", "ff-rds-free-storage",
    ])
    error_message = "p99 latency, unhealthy and no healthy hosts, 5xx rate, ECS and RDS alarms."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["no-healthy-hosts"].comparison_operator == "LessThanThreshold" && aws_cloudwatch_metric_alarm.this["no-healthy-hosts"].threshold == 1 && aws_cloudwatch_metric_alarm.this["no-healthy-hosts"].treat_missing_data == "breaching"
    error_message = "Fewer than one healthy host alarms, and so does no data."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["target-response-time-p99"].extended_statistic == "p99"
    error_message = "Latency alarms on p99."
  }

  assert {
    condition     = strcontains(one([for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : q.expression if q.id == "rate"]), "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests") && aws_cloudwatch_metric_alarm.error_rate[0].threshold == 5
    error_message = "The 5xx alarm is a rate in percent of all requests, target and ELB errors together."
  }

  assert {
    condition     = alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.this), aws_cloudwatch_metric_alarm.error_rate, aws_cloudwatch_metric_alarm.rds_free_storage) : a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:ff-alarms"])])
    error_message = "Every alarm notifies the topic."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.deployment_failed[0].event_pattern) == {
      source        = ["aws.ecs"]
      "detail-type" = ["ECS Deployment State Change"]
      resources     = ["arn:aws:ecs:us-east-1:123456789012:service/ff/ff"]
      detail        = { eventName = ["SERVICE_DEPLOYMENT_FAILED"] }
    } && aws_cloudwatch_event_target.deployment_failed[0].arn == "arn:aws:sns:us-east-1:123456789012:ff-alarms"
    error_message = "Failed deployments of this service go to the topic."
  }

  assert {
    condition     = toset([for n in aws_budgets_budget.monthly[0].notification : n.notification_type]) == toset(["FORECASTED", "ACTUAL"]) && aws_budgets_budget.monthly[0].limit_amount == "50.00"
    error_message = "The budget alerts on the forecast and on actual spend."
  }
}

run "subscriber_is_required" {
  command = plan

  variables {
    alarm_emails = []
  }

  expect_failures = [var.alarm_emails]
}

run "aws_managed_key_is_rejected" {
  command = plan

  variables {
    sns_topic_kms_key_id = "alias/aws/sns"
  }

  expect_failures = [var.sns_topic_kms_key_id]
}

run "given_key_and_no_budget" {
  command = plan

  variables {
    sns_topic_kms_key_id          = "arn:aws:kms:us-east-1:123456789012:key/mine"
    monthly_budget                = null
    enable_no_healthy_hosts_alarm = false
  }

  assert {
    condition     = length(aws_kms_key.alarms) == 0 && aws_sns_topic.this[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/mine" && length(aws_budgets_budget.monthly) == 0
    error_message = "A given key is used as is; no budget when none is asked for."
  }

  assert {
    condition     = !contains(keys(aws_cloudwatch_metric_alarm.this), "no-healthy-hosts")
    error_message = "The no-healthy-hosts alarm can be turned off for a service scaled to zero on purpose."
  }
}
