output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = try(aws_sns_topic.this[0].arn, null)
}

output "alarm_names" {
  description = "Names of the alarms created."
  value       = concat([for a in aws_cloudwatch_metric_alarm.this : a.alarm_name], aws_cloudwatch_metric_alarm.error_rate[*].alarm_name, aws_cloudwatch_metric_alarm.rds_free_storage[*].alarm_name)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}

output "sns_topic_kms_key_arn" {
  description = "KMS key of the alarm topic."
  value       = try(aws_sns_topic.this[0].kms_master_key_id, null)
}

output "deployment_failed_rule_name" {
  description = "EventBridge rule that forwards failed ECS deployments to the topic."
  value       = try(aws_cloudwatch_event_rule.deployment_failed[0].name, null)
}

output "budget_name" {
  description = "Name of the monthly AWS Budget."
  value       = try(aws_budgets_budget.monthly[0].name, null)
}
