output "alb_dns_name" {
  description = "DNS name of the load balancer; point the certificate's name at it (CNAME or alias)."
  value       = module.alb.dns_name
}

output "ecr_repository_url" {
  description = "Repository to push images to."
  value       = data.aws_ecr_repository.app.repository_url
}

output "cluster_name" {
  description = "ECS cluster name (ECS_CLUSTER in the deploy workflow)."
  value       = module.cluster.cluster_name
}

output "service_name" {
  description = "ECS service name (ECS_SERVICE in the deploy workflow)."
  value       = module.service.service_name
}

output "task_definition_family" {
  description = "Task definition family the deploy workflow downloads and re-registers."
  value       = module.service.task_definition_family
}

output "container_name" {
  description = "Container name the deploy workflow renders the new image into."
  value       = module.service.container_name
}

output "db_address" {
  description = "PostgreSQL host name."
  value       = module.db.address
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret with the database credentials (managed and rotated by RDS)."
  value       = module.db.master_user_secret_arn
}

output "secret_parameter_names" {
  description = "SSM parameters the operator must set before the first deploy."
  value       = { for k, p in aws_ssm_parameter.secret : k => p.name }
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes (AWS_DEPLOY_ROLE_ARN of the production environment)."
  value       = module.github_oidc.role_arn
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.monitoring.sns_topic_arn
}

output "nat_public_ips" {
  description = "Addresses outbound traffic comes from."
  value       = module.network.nat_public_ips
}

output "redis_primary_endpoint_address" {
  description = "Address of the Redis primary (follows failover)."
  value       = module.redis.primary_endpoint_address
}

output "redis_auth_token_secret_arn" {
  description = "Secrets Manager secret with the Redis AUTH token (FOOTFALL_REDIS_PASSWORD)."
  value       = module.redis.auth_token_secret_arn
}

output "container_environment" {
  description = "The app container's environment (name => value) and secrets (name => valueFrom), as the task definition has them; tests/deploy boots the app with these names."
  value = {
    environment = { for e in module.service.container_definition.environment : e.name => e.value }
    secrets     = { for s in module.service.container_definition.secrets : s.name => s.valueFrom }
  }
}

output "archive_url" {
  description = "FOOTFALL_ARCHIVE_URL of the service: the S3 archive bucket and prefix."
  value       = module.archive.url
}

output "cloudfront_domain_name" {
  description = "The CloudFront distribution's name (point domain_name here), when enable_cloudfront is set."
  value       = module.cdn.domain_name
}
