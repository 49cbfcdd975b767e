output "visit_url" {
  description = "What the site POSTs to on each page view."
  value       = "${aws_apigatewayv2_api.this.api_endpoint}/visit"
}

output "ingest_key_secret_arn" {
  description = "Put the Footfall ingest key here (aws secretsmanager put-secret-value)."
  value       = aws_secretsmanager_secret.ingest_key.arn
}

output "security_group_id" {
  description = "The function's security group (with vpc_config): pass it to Footfall's ALB as ingress_security_group_ids = { counter = ID } to admit this function alone."
  value       = try(aws_security_group.this[0].id, null)
}
