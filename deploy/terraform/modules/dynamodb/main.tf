locals {
  attribute_names = distinct(compact(concat(
    [var.hash_key, var.range_key],
    flatten([for g in values(var.global_secondary_indexes) : [g.hash_key, g.range_key]]),
  )))
}

resource "aws_dynamodb_table" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_119:Encryption at rest is always on; a customer-managed key is optional (server_side_encryption_kms_key_arn) because it costs $1/month plus requests.
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.hash_key
  range_key                   = var.range_key
  deletion_protection_enabled = var.deletion_protection_enabled

  dynamic "attribute" {
    for_each = local.attribute_names
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name               = global_secondary_index.key
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.non_key_attributes
    }
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.server_side_encryption_kms_key_arn
  }

  tags = merge(var.tags, { Name = var.name })
}
