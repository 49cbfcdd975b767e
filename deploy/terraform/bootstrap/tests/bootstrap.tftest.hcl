mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::footfall-tfstate-123456789012", id = "footfall-tfstate-123456789012" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
}

variables {
  github_repository = "acme/footfall"
}

run "bootstrap" {
  command = apply

  assert {
    condition     = aws_s3_bucket.state.bucket == "footfall-tfstate-123456789012" && aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled" && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    error_message = "A private, versioned state bucket named after the account."
  }

  assert {
    condition = output.trust_subjects == {
      "dev-plan"   = "repo:acme/footfall:environment:dev-plan"
      "dev-apply"  = "repo:acme/footfall:environment:dev"
      "prod-plan"  = "repo:acme/footfall:environment:production-plan"
      "prod-apply" = "repo:acme/footfall:environment:production"
    }
    error_message = "Each role trusts one GitHub environment, never a branch."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.apply_admin) == 2 && alltrue([for a in aws_iam_role_policy_attachment.plan_read_only : endswith(a.policy_arn, "/ReadOnlyAccess")])
    error_message = "Plan roles read; apply roles administer."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.state["dev-plan"].policy).Statement : s if s.Sid == "WriteState"]) == 0 && one([for s in jsondecode(aws_iam_role_policy.state["prod-apply"].policy).Statement : s.Resource if s.Sid == "WriteState"]) == ["arn:aws:s3:::footfall-tfstate-123456789012/prod/terraform.tfstate"]
    error_message = "Only an apply role writes its own environment's state."
  }

  assert {
    condition     = toset(keys(module.ecr)) == toset(["dev", "prod"])
    error_message = "One image repository per environment."
  }
}
