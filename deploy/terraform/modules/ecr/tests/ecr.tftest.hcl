# The repository deploys push to: immutable tags, scanning, expiry.

mock_provider "aws" {}

variables {
  name = "ff"
}

run "defaults" {
  command = apply

  assert {
    condition     = aws_ecr_repository.this[0].image_tag_mutability == "IMMUTABLE"
    error_message = "A pushed :sha tag never points at another image."
  }

  assert {
    condition     = aws_ecr_repository.this[0].image_scanning_configuration[0].scan_on_push
    error_message = "Images are scanned on push."
  }

  assert {
    condition     = !aws_ecr_repository.this[0].force_delete
    error_message = "Destroying a repository with images needs an explicit force_delete."
  }

  assert {
    condition     = aws_ecr_repository.this[0].encryption_configuration[0].encryption_type == "AES256"
    error_message = "AES256 unless KMS is asked for, so an empty account works."
  }

  assert {
    condition = [for r in jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules : r.selection.tagStatus] == ["untagged", "tagged"] && [
      for r in jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules : r.selection.countNumber
    ] == [7, 30]
    error_message = "Untagged images expire after 7 days; the 30 newest tagged images stay (rollbacks)."
  }
}

run "kms_and_prefixes" {
  command = plan

  variables {
    encryption       = { type = "KMS", kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/k" }
    lifecycle_policy = { tagged_prefix_list = ["v"], keep_tagged_count = 5 }
  }

  assert {
    condition     = aws_ecr_repository.this[0].encryption_configuration[0].kms_key == "arn:aws:kms:us-east-1:123456789012:key/k"
    error_message = "The customer key is used with KMS."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules[1].selection.tagPrefixList == ["v"]
    error_message = "A prefix list replaces the pattern list."
  }
}

run "mutability_is_validated" {
  command = plan

  variables {
    image_tag_mutability = "SOMETIMES"
  }

  expect_failures = [var.image_tag_mutability]
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_ecr_repository.this) == 0 && output.repository_url == null
    error_message = "create = false creates nothing."
  }
}
