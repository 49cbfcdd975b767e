output "cluster_name" {
  description = "Name of the cluster."
  value       = try(aws_ecs_cluster.this[0].name, null)
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = try(aws_ecs_cluster.this[0].arn, null)
}

output "exec_log_group_name" {
  description = "Log group that records ECS Exec sessions."
  value       = try(aws_cloudwatch_log_group.exec[0].name, null)
}

output "exec_log_group_arn" {
  description = "ARN of the log group that records ECS Exec sessions."
  value       = try(aws_cloudwatch_log_group.exec[0].arn, null)
}
