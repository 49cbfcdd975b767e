output "trail_arn" {
  description = "ARN of the trail."
  value       = try(aws_cloudtrail.this[0].arn, null)
}

output "bucket" {
  description = "Bucket of the trail's log files."
  value       = try(aws_s3_bucket.this[0].bucket, null)
}
