output "bucket_name" {
  description = "Name of the bucket."
  value       = try(aws_s3_bucket.this[0].id, null)
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = try(aws_s3_bucket.this[0].arn, null)
}

output "prefix" {
  description = "Key prefix of the archive."
  value       = var.prefix
}

output "url" {
  description = "FOOTFALL_ARCHIVE_URL of the app (s3://BUCKET/PREFIX)."
  value       = var.create ? "s3://${aws_s3_bucket.this[0].id}/${var.prefix}" : null
}

output "iam_statements" {
  description = "Policy statements that grant the archive prefix only (objects read/write, listing under the prefix, the KMS key if any); the shape of ecs-service's tasks_iam_role_statements and lambda's iam_role_statements."
  value       = local.iam_statements
}
