output "function_name" {
  description = "Name of the Lambda function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "role_policy" {
  description = "JSON policy of the function's execution role."
  value       = try(aws_iam_role_policy.this[0].policy, null)
}

output "api_endpoint" {
  description = "Invoke URL of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].api_endpoint, null)
}

output "api_id" {
  description = "ID of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].id, null)
}

output "log_group_names" {
  description = "Log groups of the function and of the API access log."
  value       = concat(aws_cloudwatch_log_group.function[*].name, aws_cloudwatch_log_group.api[*].name)
}
