mock_provider "aws" {
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
}

variables {
  name               = "ff-deploy"
  repository         = "acme/footfall"
  ecr_repository_arn = "arn:aws:ecr:us-east-1:123456789012:repository/ff"
  ecs_cluster_arn    = "arn:aws:ecs:us-east-1:123456789012:cluster/ff"
  ecs_service_arn    = "arn:aws:ecs:us-east-1:123456789012:service/ff/ff"
  pass_role_arns     = ["arn:aws:iam::123456789012:role/exec", "arn:aws:iam::123456789012:role/task"]
  environment        = "production"
}

run "trust_and_permissions" {
  command = apply

  assert {
    condition     = jsondecode(output.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:acme/footfall:environment:production"]
    error_message = "Only jobs of the production environment of this repository may assume the role: no branch subject, which would skip the environment's reviewers."
  }

  assert {
    condition     = length(jsondecode(output.assume_role_policy).Statement) == 1 && !strcontains(output.assume_role_policy, "StringLike") && !strcontains(output.assume_role_policy, "ref:refs")
    error_message = "One statement, exact match only: no wildcard, no ref subject."
  }

  assert {
    condition     = jsondecode(output.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    error_message = "The audience must be STS."
  }

  assert {
    condition     = one([for s in jsondecode(output.policy).Statement : s.Resource if s.Sid == "EcrPushOneRepository"]) == ["arn:aws:ecr:us-east-1:123456789012:repository/ff"]
    error_message = "Push must be limited to one repository."
  }

  assert {
    condition     = one([for s in jsondecode(output.policy).Statement : s.Resource if s.Sid == "EcsUpdateOneService"]) == ["arn:aws:ecs:us-east-1:123456789012:service/ff/ff"]
    error_message = "Updates must be limited to one service."
  }

  assert {
    condition     = one([for s in jsondecode(output.policy).Statement : s.Resource if s.Sid == "PassTaskRoles"]) == ["arn:aws:iam::123456789012:role/exec", "arn:aws:iam::123456789012:role/task"]
    error_message = "PassRole must be limited to the two task roles."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(output.policy).Statement : !contains(s.Resource, "*") || alltrue([
        for a in s.Action : contains(["ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"], a)
      ])
    ])
    error_message = "Wildcard resources only for actions that have no resource-level permissions."
  }
}

run "one_role_per_environment" {
  command = plan

  variables {
    environment = "dev"
  }

  assert {
    condition     = jsondecode(output.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:acme/footfall:environment:dev"]
    error_message = "The dev role trusts the dev environment only."
  }
}

run "wildcard_environment_is_rejected" {
  command = plan

  variables {
    environment = "*"
  }

  expect_failures = [var.environment]
}
