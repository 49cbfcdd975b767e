output "role_arn" {
  description = "ARN of the deploy role (set it as the AWS_DEPLOY_ROLE_ARN variable of the GitHub environment)."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "role_name" {
  description = "Name of the deploy role."
  value       = try(aws_iam_role.this[0].name, null)
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider used in the trust policy."
  value       = local.oidc_provider_arn
}

output "assume_role_policy" {
  description = "Trust policy JSON of the deploy role."
  value       = local.assume_role_policy
}

output "policy" {
  description = "Permissions policy JSON of the deploy role."
  value       = local.deploy_policy
}
