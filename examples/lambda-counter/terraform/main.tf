# The site's visitor counter (examples/lambda-counter/handler.py): an HTTP API
# that the site calls on each page view, and a function that forwards the visit
# to Footfall's /log-visit with an ingest key from Secrets Manager.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  log_group = "/aws/lambda/${var.name}"
}

# The ingest key: created empty here, set once by the operator (it comes from
# `footfall key create --site SITE --scopes ingest`, never from Terraform):
#   aws secretsmanager put-secret-value --secret-id ID --secret-string ff_...
resource "aws_secretsmanager_secret" "ingest_key" {
  #checkov:skip=CKV2_AWS_57:A Footfall ingest key is rotated in Footfall (key create, then revoke the old one), not by a Secrets Manager rotation Lambda.
  #checkov:skip=CKV_AWS_149:The AWS-managed key is enough for an ingest key (it can only add events to one site); give a CMK where policy asks for one.
  name_prefix             = "${var.name}-ingest-key-"
  description             = "Footfall ingest key of ${var.footfall_site} (set with put-secret-value)"
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Operational logs of a counter; a year of retention is not needed.
  #checkov:skip=CKV_AWS_158:The AWS-managed key encrypts the logs; they hold no visitor data (the function logs nothing per visit).
  name              = local.log_group
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name_prefix = "${var.name}-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "counter"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "Logs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
        },
        {
          Sid      = "IngestKey"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue"]
          Resource = [aws_secretsmanager_secret.ingest_key.arn]
        },
      ],
      var.vpc_config == null ? [] : [{
        Sid    = "VpcNetworkInterfaces"
        Effect = "Allow"
        Action = [
          "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
        ]
        # ENI management has no resource-level permissions for Describe.
        Resource = ["*"]
      }],
    )
  })
}

# The group Footfall's ALB may admit alone (ingress_security_group_ids).
resource "aws_security_group" "this" {
  count = var.vpc_config == null ? 0 : 1

  name_prefix = "${var.name}-"
  description = "Visitor counter ${var.name}: HTTPS out to Footfall"
  vpc_id      = var.vpc_config.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  egress {
    description = "Footfall (HTTPS) and Secrets Manager"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the HTTP API; a dead-letter queue applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:VPC placement is an input (vpc_config), needed only to restrict Footfall's ALB to this function.
  #checkov:skip=CKV_AWS_173:The environment holds no secret (the key is read from Secrets Manager).
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile; left to the operator.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is not needed for a forwarder.
  function_name                  = var.name
  description                    = "Counts visits of ${var.footfall_site} in Footfall"
  role                           = aws_iam_role.this.arn
  handler                        = "handler.handler"
  runtime                        = "python3.12"
  filename                       = var.package
  source_code_hash               = filebase64sha256(var.package)
  memory_size                    = 128
  timeout                        = 5
  reserved_concurrent_executions = 20

  environment {
    variables = {
      FOOTFALL_URL         = var.footfall_url
      FOOTFALL_SITE        = var.footfall_site
      INGEST_KEY_SECRET_ID = aws_secretsmanager_secret.ingest_key.arn
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = [aws_security_group.this[0].id]
    }
  }

  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.this.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "visit" {
  #checkov:skip=CKV_AWS_309:Browsers of the site call it on each page view; it only forwards a visit.
  api_id    = aws_apigatewayv2_api.this.id
  route_key = "POST /visit"
  target    = "integrations/${aws_apigatewayv2_integration.this.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  #checkov:skip=CKV_AWS_76:No access log: it would keep visitors' IP addresses, which Footfall itself never stores.
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = 50
    throttling_rate_limit  = 20
  }

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}
