mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:site-visit-counter-ingest-key-AbC" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/site-visit-counter" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/site-visit-counter" }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = { execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc", api_endpoint = "https://abc.execute-api.us-east-1.amazonaws.com" }
  }
}

variables {
  package       = "tests/empty.zip"
  footfall_url  = "https://stats.example.com"
  footfall_site = "example.com"
  vpc_config    = { vpc_id = "vpc-1", subnet_ids = ["subnet-a"] }
}

run "counter" {
  command = apply

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "IngestKey"]) == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:site-visit-counter-ingest-key-AbC"]
    error_message = "The function reads its one secret, nothing else."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["INGEST_KEY_SECRET_ID"] == aws_secretsmanager_secret.ingest_key.arn && !strcontains(jsonencode(aws_lambda_function.this.environment[0].variables), "ff_")
    error_message = "The key is read from Secrets Manager, never put in the environment."
  }

  assert {
    condition     = output.security_group_id != null && aws_lambda_function.this.vpc_config[0].security_group_ids == toset([output.security_group_id])
    error_message = "In a VPC the function has its own group, for Footfall's ALB to admit."
  }

  assert {
    condition     = output.visit_url == "https://abc.execute-api.us-east-1.amazonaws.com/visit" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "POST /visit, and logs with a retention."
  }
}
