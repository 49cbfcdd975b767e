output "domain_name" {
  description = "The distribution's cloudfront.net name (point the aliases' CNAME or alias records here)."
  value       = try(aws_cloudfront_distribution.this[0].domain_name, null)
}

output "hosted_zone_id" {
  description = "Route 53 zone ID of the distribution, for alias records."
  value       = try(aws_cloudfront_distribution.this[0].hosted_zone_id, null)
}

output "distribution_arn" {
  description = "ARN of the distribution."
  value       = try(aws_cloudfront_distribution.this[0].arn, null)
}

output "distribution_id" {
  description = "ID of the distribution (cache invalidations)."
  value       = try(aws_cloudfront_distribution.this[0].id, null)
}

output "cached_path_patterns" {
  description = "Paths served from the edge cache."
  value       = var.create ? var.cached_path_patterns : []
}
