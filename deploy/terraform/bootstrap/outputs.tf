output "state_bucket" {
  description = "Bucket of every environment's state: terraform init -backend-config=bucket=THIS (GitHub variable TF_STATE_BUCKET)."
  value       = aws_s3_bucket.state.bucket
}

output "ecr_repository_urls" {
  description = "Image repository of each environment."
  value       = { for k, m in module.ecr : k => m.repository_url }
}

output "plan_role_arns" {
  description = "Plan role of each environment (GitHub variable AWS_PLAN_ROLE_ARN of its plan environment)."
  value       = { for k, e in var.environments : k => aws_iam_role.github["${k}-plan"].arn }
}

output "apply_role_arns" {
  description = "Apply role of each environment (GitHub variable AWS_APPLY_ROLE_ARN of its environment)."
  value       = { for k, e in var.environments : k => aws_iam_role.github["${k}-apply"].arn }
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider (environments pass it with create_github_oidc_provider = false)."
  value       = local.oidc_provider_arn
}

output "trust_subjects" {
  description = "Role key => the only token subject its trust policy admits."
  value       = { for k, r in aws_iam_role.github : k => jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] }
}
