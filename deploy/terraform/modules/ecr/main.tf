resource "aws_ecr_repository" "this" {
  count = var.create ? 1 : 0

  name                 = var.name
  image_tag_mutability = var.image_tag_mutability
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = var.scan_on_push
  }

  #checkov:skip=CKV_AWS_136:AES256 is the default so an empty account works; set encryption.type = "KMS" (and a key) to use KMS.
  encryption_configuration {
    encryption_type = var.encryption.type
    kms_key         = var.encryption.type == "KMS" ? var.encryption.kms_key_arn : null
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_ecr_lifecycle_policy" "this" {
  count = var.create ? 1 : 0

  repository = aws_ecr_repository.this[0].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.lifecycle_policy.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep only the most recent tagged images"
        selection = merge(
          {
            tagStatus   = "tagged"
            countType   = "imageCountMoreThan"
            countNumber = var.lifecycle_policy.keep_tagged_count
          },
          length(var.lifecycle_policy.tagged_prefix_list) > 0
          ? { tagPrefixList = var.lifecycle_policy.tagged_prefix_list }
          : { tagPatternList = var.lifecycle_policy.tag_pattern_list },
        )
        action = { type = "expire" }
      },
    ]
  })
}
