# Plans and applies against a mock AWS provider: every value asserted comes from
# the module's own logic.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::ff-archive-123456789012" }
  }
}

variables {
  name = "ff-archive"
}

run "defaults" {
  command = apply

  assert {
    condition     = aws_s3_bucket.this[0].bucket == "ff-archive-123456789012"
    error_message = "The bucket name ends with the account ID."
  }

  assert {
    condition     = output.url == "s3://${aws_s3_bucket.this[0].id}/events"
    error_message = "The archive URL is s3://BUCKET/events."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this[0].block_public_acls,
      aws_s3_bucket_public_access_block.this[0].block_public_policy,
      aws_s3_bucket_public_access_block.this[0].ignore_public_acls,
      aws_s3_bucket_public_access_block.this[0].restrict_public_buckets,
    ])
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this[0].rule[*].object_ownership) == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled."
  }

  assert {
    condition     = one(flatten(aws_s3_bucket_server_side_encryption_configuration.this[0].rule[*].apply_server_side_encryption_by_default[*].sse_algorithm)) == "AES256"
    error_message = "SSE-S3 is the default."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this[0].versioning_configuration[0].status == "Enabled"
    error_message = "Versioning is on by default."
  }

  assert {
    condition = [for t in one([for r in aws_s3_bucket_lifecycle_configuration.this[0].rule : r.transition if r.id == "cheaper-classes"]) : [t.days, t.storage_class]] == [
      [30, "STANDARD_IA"], [90, "GLACIER_IR"],
    ]
    error_message = "Objects move to STANDARD_IA at 30 days and GLACIER_IR at 90."
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this[0].transition_default_minimum_object_size == "all_storage_classes_128K" && one([for r in aws_s3_bucket_lifecycle_configuration.this[0].rule : r.filter[0].prefix if r.id == "cheaper-classes"]) == "events/"
    error_message = "Only the archive's objects above 128 KiB change class (the IA minimum billable size)."
  }

  assert {
    condition     = length(one([for r in aws_s3_bucket_lifecycle_configuration.this[0].rule : r.expiration if r.id == "housekeeping"])) == 0
    error_message = "Without expiration_days nothing expires."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.this[0].policy).Statement[0] == {
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::ff-archive-123456789012", "arn:aws:s3:::ff-archive-123456789012/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "The bucket refuses every request without TLS."
  }

  assert {
    condition = output.iam_statements == [
      {
        sid        = "ArchiveObjects"
        effect     = "Allow"
        actions    = ["s3:GetObject", "s3:PutObject"]
        resources  = ["arn:aws:s3:::ff-archive-123456789012/events/*"]
        conditions = []
      },
      {
        sid        = "ArchiveList"
        effect     = "Allow"
        actions    = ["s3:ListBucket"]
        resources  = ["arn:aws:s3:::ff-archive-123456789012"]
        conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["events/*"] }]
      },
    ]
    error_message = "The statements grant the prefix only: objects under it, listing under it."
  }
}

run "customer_key_and_expiry" {
  command = apply

  variables {
    kms_key_arn       = "arn:aws:kms:us-east-1:123456789012:key/k"
    expiration_days   = 400
    prefix            = "ff/archive"
    append_account_id = false
  }

  assert {
    condition     = aws_s3_bucket.this[0].bucket == "ff-archive"
    error_message = "Without append_account_id the name is used as given."
  }

  assert {
    condition = one(flatten(aws_s3_bucket_server_side_encryption_configuration.this[0].rule[*].apply_server_side_encryption_by_default[*])) == {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:us-east-1:123456789012:key/k"
    }
    error_message = "A given CMK is used for SSE-KMS."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule[*].bucket_key_enabled)
    error_message = "SSE-KMS uses a bucket key (fewer KMS requests)."
  }

  assert {
    condition     = one(flatten([for r in aws_s3_bucket_lifecycle_configuration.this[0].rule : r.expiration[*].days if r.id == "housekeeping"])) == 400
    error_message = "expiration_days deletes archived days."
  }

  assert {
    condition     = [for s in output.iam_statements : s.resources if s.sid == "ArchiveKey"] == [["arn:aws:kms:us-east-1:123456789012:key/k"]]
    error_message = "The key's statement is added with a CMK."
  }

  assert {
    condition     = one([for s in output.iam_statements : s.conditions[0].values if s.sid == "ArchiveList"]) == ["ff/archive/*"]
    error_message = "Listing is limited to the given prefix."
  }
}

run "bad_prefix" {
  command = plan

  variables {
    prefix = "/events/"
  }

  expect_failures = [var.prefix]
}
