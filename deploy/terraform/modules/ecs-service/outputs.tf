locals {
  service = try(aws_ecs_service.this[0], aws_ecs_service.ignore_task_definition[0], null)
}

output "service_name" {
  description = "Name of the ECS service."
  value       = try(local.service.name, null)
}

output "service_arn" {
  description = "ARN of the ECS service (what deploy roles may update)."
  value       = try(local.service.id, null)
}

output "task_definition_arn" {
  description = "ARN of the task definition revision Terraform registered."
  value       = try(aws_ecs_task_definition.this[0].arn, null)
}

output "task_definition_family" {
  description = "Family of the task definition (CI downloads the latest revision of it)."
  value       = try(aws_ecs_task_definition.this[0].family, null)
}

output "container_name" {
  description = "Name of the application container."
  value       = var.name
}

output "container_definition" {
  description = "The container definition as sent to ECS (an object, for tests and debugging)."
  value       = local.container_definition
}

output "task_exec_iam_role_arn" {
  description = "ARN of the task execution role."
  value       = try(aws_iam_role.task_exec[0].arn, null)
}

output "task_exec_iam_role_policy" {
  description = "JSON policy of the task execution role."
  value       = try(aws_iam_role_policy.task_exec[0].policy, null)
}

output "tasks_iam_role_arn" {
  description = "ARN of the task role."
  value       = try(aws_iam_role.tasks[0].arn, null)
}

output "tasks_iam_role_policy" {
  description = "JSON policy of the task role."
  value       = try(aws_iam_role_policy.tasks[0].policy, null)
}

output "security_group_id" {
  description = "ID of the tasks' security group."
  value       = local.security_group_id
}

output "cloudwatch_log_group_name" {
  description = "Log group of the container."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "autoscaling_target" {
  description = "min and max capacity of the scalable target, null without autoscaling."
  value       = try({ min = aws_appautoscaling_target.this[0].min_capacity, max = aws_appautoscaling_target.this[0].max_capacity }, null)
}

output "network_configuration" {
  description = "Network configuration of the service (subnets, security groups, assign_public_ip)."
  value       = try(local.service.network_configuration[0], null)
}

output "security_group_egress" {
  description = "Where the tasks may connect out to: each egress rule's port and its CIDR or security group."
  value = merge(
    { for cidr, r in aws_vpc_security_group_egress_rule.https : "https ${cidr}" => { port = r.from_port, cidr_ipv4 = r.cidr_ipv4, referenced_security_group_id = null } },
    { for name, r in aws_vpc_security_group_egress_rule.extra : name => { port = r.from_port, cidr_ipv4 = r.cidr_ipv4, referenced_security_group_id = r.referenced_security_group_id } },
  )
}

output "enable_execute_command" {
  description = "Whether ECS Exec is on for the service."
  value       = var.enable_execute_command
}
