mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::fft-cloudtrail-123456789012", id = "fft-cloudtrail-123456789012" }
  }
}

variables {
  name = "fft"
}

run "trail" {
  command = apply

  assert {
    condition     = aws_cloudtrail.this[0].is_multi_region_trail && aws_cloudtrail.this[0].enable_log_file_validation
    error_message = "Every region, with log file validation."
  }

  assert {
    condition     = one([for s in jsondecode(aws_s3_bucket_policy.this[0].policy).Statement : s.Condition.StringEquals["aws:SourceArn"] if s.Sid == "CloudTrailWrite"]) == "arn:aws:cloudtrail:us-east-1:123456789012:trail/fft"
    error_message = "Only this trail may write to the bucket."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.this[0].restrict_public_buckets && one(aws_s3_bucket_lifecycle_configuration.this[0].rule).expiration[0].days == 365
    error_message = "A private bucket whose logs expire."
  }
}

run "off" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_cloudtrail.this) == 0 && length(aws_s3_bucket.this) == 0
    error_message = "create = false creates nothing."
  }
}
