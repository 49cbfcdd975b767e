output "url" {
  description = "Where the service answers: the load balancer, or the HTTP API in the serverless layout."
  value       = var.layout == "fargate" ? "${var.certificate_arn != null ? "https" : "http"}://${module.alb.dns_name}" : module.lambda.api_endpoint
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

output "table_name" {
  description = "DynamoDB table of the event store."
  value       = module.table.table_name
}

output "secret_parameter_names" {
  description = "SSM parameters the operator must set before the first deploy."
  value       = { for k, p in aws_ssm_parameter.secret : k => p.name }
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes (AWS_DEPLOY_ROLE_ARN); null without github_repository."
  value       = module.github_oidc.role_arn
}

output "lambda_api_endpoint" {
  description = "HTTP API endpoint of the serverless variant, when enabled."
  value       = module.lambda.api_endpoint
}

output "archive_url" {
  description = "FOOTFALL_ARCHIVE_URL of the service: the S3 archive bucket and prefix."
  value       = module.archive.url
}

output "container_environment" {
  description = "The app container's environment (name => value) and secrets (name => valueFrom), as the task definition has them; tests/deploy boots the app with these names."
  value = {
    environment = { for e in module.service.container_definition.environment : e.name => e.value }
    secrets     = { for s in module.service.container_definition.secrets : s.name => s.valueFrom }
  }
}
