mock_provider "aws" {}

variables {
  name = "events"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this[0].server_side_encryption[0].enabled
    error_message = "Server-side encryption must be on."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].point_in_time_recovery[0].enabled
    error_message = "Point-in-time recovery must be on."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].billing_mode == "PAY_PER_REQUEST"
    error_message = "The table must be on-demand."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].hash_key == "PK" && aws_dynamodb_table.this[0].range_key == "SK"
    error_message = "Keys must be PK and SK, as the app's (store/dynamo/table.py)."
  }

  assert {
    condition     = one(aws_dynamodb_table.this[0].ttl[*].attribute_name) == "ttl"
    error_message = "TTL must be on the ttl attribute the app writes."
  }

  assert {
    condition     = one(aws_dynamodb_table.this[0].global_secondary_index[*].name) == "GSI1"
    error_message = "The GSI1 index the app queries must exist."
  }

  assert {
    condition     = length(aws_dynamodb_table.this[0].attribute) == 4
    error_message = "PK, SK, GSI1PK and GSI1SK must be declared, nothing else."
  }
}

run "customer_key" {
  command = plan

  variables {
    server_side_encryption_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/k"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].server_side_encryption[0].kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/k"
    error_message = "A given CMK must be used."
  }
}
