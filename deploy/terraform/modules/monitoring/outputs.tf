output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = try(aws_sns_topic.this[0].arn, null)
}

output "alarm_names" {
  description = "Names of the alarms created."
  value       = concat([for a in aws_cloudwatch_metric_alarm.this : a.alarm_name], aws_cloudwatch_metric_alarm.rds_free_storage[*].alarm_name)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}
