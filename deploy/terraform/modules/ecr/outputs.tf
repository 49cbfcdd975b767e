output "repository_name" {
  description = "Name of the repository."
  value       = try(aws_ecr_repository.this[0].name, null)
}

output "repository_arn" {
  description = "ARN of the repository (for pull and push policies)."
  value       = try(aws_ecr_repository.this[0].arn, null)
}

output "repository_url" {
  description = "URL to tag images with: ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME."
  value       = try(aws_ecr_repository.this[0].repository_url, null)
}
