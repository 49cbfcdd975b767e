# The serverless variant: function, role, HTTP API, logs (mock provider).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/ff-fn-lambda" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/ff-fn" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:ff-fn"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:ff-fn/invocations"
    }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = { execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123" }
  }
}

variables {
  name    = "ff-fn"
  package = { s3_bucket = "artifacts", s3_key = "footfall.zip", source_code_hash = "abc" }
  iam_role_statements = [{
    sid       = "OneTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/t"]
  }]
}

run "defaults" {
  command = apply

  assert {
    condition     = aws_cloudwatch_log_group.function[0].retention_in_days == 30 && aws_cloudwatch_log_group.api[0].retention_in_days == 30
    error_message = "Function and API logs have a retention."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "Logs"] == [
      ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/ff-fn:*"]
    ]
    error_message = "The role writes to its own log group only."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "OneTable"]) == ["arn:aws:dynamodb:us-east-1:123456789012:table/t"]
    error_message = "The given statements are added as they are."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s if s.Sid == "VpcNetworkInterfaces"]) == 0
    error_message = "No ENI permissions outside a VPC."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only Lambda in this account assumes the role."
  }

  assert {
    condition     = aws_lambda_function.this[0].reserved_concurrent_executions == 50 && aws_lambda_function.this[0].timeout == 29
    error_message = "Concurrency is capped (a cost ceiling) and the timeout fits API Gateway's 30 s."
  }

  assert {
    condition     = aws_apigatewayv2_integration.this[0].timeout_milliseconds == 30000 && aws_apigatewayv2_route.default[0].route_key == "$default"
    error_message = "One $default route proxies everything within API Gateway's limit."
  }

  assert {
    condition     = !strcontains(aws_apigatewayv2_stage.default[0].access_log_settings[0].format, "sourceIp")
    error_message = "The access log keeps no client IP."
  }

  assert {
    condition     = aws_lambda_permission.api[0].source_arn == "arn:execute-api:us-east-1:123456789012:abc123/*/*" || aws_lambda_permission.api[0].source_arn == "arn:aws:execute-api:us-east-1:123456789012:abc123/*/*"
    error_message = "Only this API may invoke the function."
  }
}

run "in_a_vpc" {
  command = plan

  variables {
    vpc_config = { subnet_ids = ["subnet-a"], security_group_ids = ["sg-1"] }
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s if s.Sid == "VpcNetworkInterfaces"]) == 1
    error_message = "A function in a VPC may manage its network interfaces."
  }
}

run "package_must_be_one_source" {
  command = plan

  variables {
    package = { filename = "a.zip", s3_bucket = "b", s3_key = "k" }
  }

  expect_failures = [var.package]
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_lambda_function.this) == 0 && length(aws_apigatewayv2_api.this) == 0
    error_message = "create = false creates nothing."
  }
}
