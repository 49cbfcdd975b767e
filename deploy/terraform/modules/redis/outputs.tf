output "replication_group_id" {
  description = "Replication group id."
  value       = try(aws_elasticache_replication_group.this[0].id, null)
}

output "primary_endpoint_address" {
  description = "Address of the primary (follows failover)."
  value       = try(aws_elasticache_replication_group.this[0].primary_endpoint_address, null)
}

output "port" {
  description = "Redis port."
  value       = local.port
}

output "url" {
  description = "FOOTFALL_REDIS_URL: TLS to the primary, without the token (it comes from auth_token_secret_arn)."
  value       = try("rediss://${aws_elasticache_replication_group.this[0].primary_endpoint_address}:${local.port}/0", null)
}

output "auth_token_secret_arn" {
  description = "Secrets Manager secret holding the AUTH token (the whole secret string); an ECS secret's valueFrom for FOOTFALL_REDIS_PASSWORD."
  value       = try(aws_secretsmanager_secret.auth[0].arn, null)
}

output "security_group_id" {
  description = "Security group of the nodes."
  value       = try(aws_security_group.this[0].id, null)
}

output "subnet_ids" {
  description = "Subnets of the nodes."
  value       = try(tolist(aws_elasticache_subnet_group.this[0].subnet_ids), [])
}
