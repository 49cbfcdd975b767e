output "address" {
  description = "Host name of the instance."
  value       = try(aws_db_instance.this[0].address, null)
}

output "port" {
  description = "PostgreSQL port."
  value       = local.port
}

output "endpoint" {
  description = "host:port of the instance."
  value       = try(aws_db_instance.this[0].endpoint, null)
}

output "db_name" {
  description = "Name of the database."
  value       = var.db_name
}

output "master_username" {
  description = "Master user name."
  value       = var.master_username
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master credentials (JSON with username and password keys)."
  value       = try(aws_db_instance.this[0].master_user_secret[0].secret_arn, null)
}

output "instance_arn" {
  description = "ARN of the instance."
  value       = try(aws_db_instance.this[0].arn, null)
}

output "instance_identifier" {
  description = "Identifier of the instance (CloudWatch DBInstanceIdentifier dimension)."
  value       = try(aws_db_instance.this[0].identifier, null)
}

output "security_group_id" {
  description = "ID of the database security group."
  value       = try(aws_security_group.this[0].id, null)
}
