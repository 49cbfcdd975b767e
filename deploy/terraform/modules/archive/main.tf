data "aws_caller_identity" "current" {
  count = var.create && var.append_account_id ? 1 : 0
}

locals {
  bucket     = var.append_account_id ? "${var.name}-${try(data.aws_caller_identity.current[0].account_id, "")}" : var.name
  bucket_arn = try(aws_s3_bucket.this[0].arn, "")

  iam_statements = concat(
    [
      {
        sid        = "ArchiveObjects"
        effect     = "Allow"
        actions    = ["s3:GetObject", "s3:PutObject"]
        resources  = ["${local.bucket_arn}/${var.prefix}/*"]
        conditions = []
      },
      {
        sid       = "ArchiveList"
        effect    = "Allow"
        actions   = ["s3:ListBucket"]
        resources = [local.bucket_arn]
        conditions = [{
          test     = "StringLike"
          variable = "s3:prefix"
          values   = ["${var.prefix}/*"]
        }]
      },
    ],
    [for s in [{
      sid        = "ArchiveKey"
      effect     = "Allow"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources  = [coalesce(var.kms_key_arn, "none")]
      conditions = []
    }] : s if var.kms_key_arn != null],
  )
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Server access logs would need a second bucket and cost more than the archive they watch; the only writer is the task role, whose calls CloudTrail records.
  #checkov:skip=CKV_AWS_144:The archive is a copy of the event store (DynamoDB or PostgreSQL, both with point-in-time recovery); cross-region replication would double its cost. Add it where policy requires.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new archive objects; the writer verifies each upload itself.
  #checkov:skip=CKV_AWS_145:SSE-S3 by default: the objects hold pseudonymous events (no raw IPs or user agents) and a CMK costs $1/month plus requests. Pass kms_key_arn for SSE-KMS.
  count = var.create ? 1 : 0

  bucket        = local.bucket
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = local.bucket })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = var.create ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  # STANDARD_IA and GLACIER_IR bill at least 128 KiB an object: smaller ones stay
  # in STANDARD, where they are cheaper (S3's default since 2024, made explicit).
  transition_default_minimum_object_size = "all_storage_classes_128K"

  rule {
    id     = "cheaper-classes"
    status = "Enabled"

    filter {
      prefix = "${var.prefix}/"
    }

    dynamic "transition" {
      for_each = var.transitions
      content {
        days          = transition.value.days
        storage_class = transition.value.storage_class
      }
    }
  }

  rule {
    id     = "housekeeping"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    dynamic "expiration" {
      for_each = var.expiration_days == null ? [] : [var.expiration_days]
      content {
        days = expiration.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  # A policy put before the public access block could be judged public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
