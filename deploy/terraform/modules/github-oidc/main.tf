locals {
  issuer = "token.actions.githubusercontent.com"

  oidc_provider_arn = var.create_oidc_provider ? try(aws_iam_openid_connect_provider.this[0].arn, null) : var.oidc_provider_arn

  # GitHub puts environment:NAME in sub for jobs with an environment, and
  # ref:refs/heads/BRANCH for the others. Only the environment is trusted: a
  # job on main without `environment:` would skip the environment's required
  # reviewers and branch rules. One role per environment, exact match, no
  # wildcards.
  allowed_subjects = ["repo:${var.repository}:environment:${var.environment}"]

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsOidc"
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.oidc_provider_arn }
      Condition = {
        StringEquals = {
          "${local.issuer}:aud" = "sts.amazonaws.com"
          "${local.issuer}:sub" = local.allowed_subjects
        }
      }
    }]
  })

  deploy_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # GetAuthorizationToken has no resource-level permissions.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid    = "EcrPushOneRepository"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = [var.ecr_repository_arn]
      },
      {
        # Task definition registration and reads have no resource-level
        # permissions in ECS.
        Sid      = "EcsTaskDefinitions"
        Effect   = "Allow"
        Action   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
        Resource = ["*"]
      },
      {
        Sid      = "EcsUpdateOneService"
        Effect   = "Allow"
        Action   = ["ecs:DescribeServices", "ecs:UpdateService"]
        Resource = [var.ecs_service_arn]
        Condition = {
          ArnEquals = { "ecs:cluster" = var.ecs_cluster_arn }
        }
      },
      {
        Sid      = "PassTaskRoles"
        Effect   = "Allow"
        Action   = ["iam:PassRole"]
        Resource = var.pass_role_arns
        Condition = {
          StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" }
        }
      },
    ]
  })
}

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create && var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS trusts GitHub's issuer through its own CA store and ignores the
  # thumbprint; the field is still required by the IAM API.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = var.tags
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name_prefix          = "${var.name}-"
  description          = "GitHub Actions deploys of ${var.repository}: push one image repository, update one ECS service"
  assume_role_policy   = local.assume_role_policy
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "deploy"
  role   = aws_iam_role.this[0].id
  policy = local.deploy_policy
}
