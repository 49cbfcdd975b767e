output "table_name" {
  description = "Name of the table."
  value       = try(aws_dynamodb_table.this[0].name, null)
}

output "table_arn" {
  description = "ARN of the table."
  value       = try(aws_dynamodb_table.this[0].arn, null)
}

output "index_arns" {
  description = "ARNs of the global secondary indexes (TABLE_ARN/index/NAME)."
  value       = [for k in keys(var.global_secondary_indexes) : "${try(aws_dynamodb_table.this[0].arn, "")}/index/${k}"]
}
