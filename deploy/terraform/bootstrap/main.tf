# The one root applied by hand, once per account (docs/deploy.md): the bucket
# every environment's state lives in (S3 native locking, use_lockfile), the
# environments' image repositories (so CI pushes an image before a service
# points at it), and per environment a plan role and an apply role that GitHub
# Actions assume through OIDC, each trusted by one GitHub environment only.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  tags = merge({
    Project   = "footfall"
    ManagedBy = "terraform"
    Root      = "bootstrap"
  }, var.tags)

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  bucket     = "${var.name}-tfstate-${local.account_id}"
  issuer     = "token.actions.githubusercontent.com"

  oidc_provider_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.github_oidc_provider_arn

  # role key => environment key, kind, trusted GitHub environment
  roles = merge([
    for env, e in var.environments : {
      "${env}-plan"  = { env = env, kind = "plan", github_environment = e.github_plan_environment }
      "${env}-apply" = { env = env, kind = "apply", github_environment = e.github_environment }
    }
  ]...)
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:Cross-region replication of the state is a disaster-recovery choice per account; versioning keeps every earlier state.
  #checkov:skip=CKV2_AWS_62:No consumer of bucket events: state changes are read by Terraform only.
  #checkov:skip=CKV_AWS_18:Access to the state is logged by CloudTrail data events when enabled (modules' cloudtrail option); a second log bucket adds its own bootstrap problem.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256): the state holds no secret values (write-only attributes), and a KMS key would have to exist before the bucket that records it.
  bucket        = local.bucket
  force_destroy = var.state_bucket_force_destroy
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.state]
}

################################################################################
# Image repositories, one per environment
################################################################################

module "ecr" {
  source   = "../modules/ecr"
  for_each = var.environments

  name         = each.value.ecr_repository
  force_delete = each.value.ecr_force_delete
  tags         = merge(local.tags, { Environment = each.key })
}

################################################################################
# GitHub OIDC: a plan role (read-only, PR plans) and an apply role per
# environment, each trusted by jobs of one GitHub environment only.
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS trusts GitHub's issuer through its own CA store and ignores the
  # thumbprint; the field is still required by the IAM API.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

resource "aws_iam_role" "github" {
  for_each = local.roles

  name        = "${var.name}-${each.key}"
  description = "GitHub Actions terraform ${each.value.kind} of ${each.value.env} (${var.github_repository}, environment ${each.value.github_environment})"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.oidc_provider_arn }
      Condition = {
        StringEquals = {
          "${local.issuer}:aud" = "sts.amazonaws.com"
          "${local.issuer}:sub" = "repo:${var.github_repository}:environment:${each.value.github_environment}"
        }
      }
    }]
  })
  max_session_duration = 3600
}

# Plans read everything (ReadOnlyAccess), generate the ephemeral random
# secrets, and take the state lock; they never write the state itself.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  for_each = { for k, r in local.roles : k => r if r.kind == "plan" }

  role       = aws_iam_role.github[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "state" {
  for_each = local.roles

  name = "terraform-state"
  role = aws_iam_role.github[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ListStateBucket"
          Effect   = "Allow"
          Action   = ["s3:ListBucket"]
          Resource = [aws_s3_bucket.state.arn]
        },
        {
          Sid      = "ReadState"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${aws_s3_bucket.state.arn}/${each.value.env}/terraform.tfstate"]
        },
        {
          Sid      = "Lock"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource = ["${aws_s3_bucket.state.arn}/${each.value.env}/terraform.tfstate.tflock"]
        },
        {
          # Ephemeral random secrets are generated on every plan (never stored).
          Sid      = "RandomPasswords"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetRandomPassword"]
          Resource = ["*"]
        },
      ],
      each.value.kind == "apply" ? [{
        Sid      = "WriteState"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = ["${aws_s3_bucket.state.arn}/${each.value.env}/terraform.tfstate"]
      }] : [],
    )
  })
}

# Applies create VPCs, IAM roles, databases, load balancers and KMS keys:
# AdministratorAccess, reachable only from the environment's protected jobs
# (required reviewers approve each apply of a saved plan).
resource "aws_iam_role_policy_attachment" "apply_admin" {
  #checkov:skip=CKV_AWS_274:Terraform applies of whole environments need it; the role is assumable only by jobs of one GitHub environment guarded by required reviewers, and only applies plans they approved.
  for_each = { for k, r in local.roles : k => r if r.kind == "apply" }

  role       = aws_iam_role.github[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
}
