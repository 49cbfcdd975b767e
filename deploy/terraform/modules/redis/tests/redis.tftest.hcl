mock_provider "aws" {
  # A token of the length and alphabet Secrets Manager draws (the mock's default is short).
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01" }
  }
}

variables {
  name                       = "ff"
  vpc_id                     = "vpc-1"
  subnet_ids                 = ["subnet-a", "subnet-b"]
  allowed_security_group_ids = { service = "sg-service" }
}

run "defaults" {
  command = apply

  assert {
    condition     = aws_elasticache_replication_group.this[0].transit_encryption_enabled && aws_elasticache_replication_group.this[0].at_rest_encryption_enabled
    error_message = "Redis must be encrypted in transit and at rest."
  }

  assert {
    condition     = aws_elasticache_replication_group.this[0].auth_token == aws_secretsmanager_secret_version.auth[0].secret_string && length(aws_elasticache_replication_group.this[0].auth_token) > 0
    error_message = "The AUTH token must be the one kept in Secrets Manager."
  }

  assert {
    condition     = aws_elasticache_replication_group.this[0].automatic_failover_enabled && aws_elasticache_replication_group.this[0].multi_az_enabled && aws_elasticache_replication_group.this[0].num_cache_clusters == 2
    error_message = "A replica in another AZ with automatic failover by default."
  }

  assert {
    condition     = aws_elasticache_subnet_group.this[0].subnet_ids == toset(["subnet-a", "subnet-b"])
    error_message = "The nodes live in the given (private) subnets."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.this) == ["service"] && aws_vpc_security_group_ingress_rule.this["service"].referenced_security_group_id == "sg-service" && aws_vpc_security_group_ingress_rule.this["service"].from_port == 6379
    error_message = "Only the given security group may connect, on 6379."
  }

  assert {
    condition     = startswith(output.url, "rediss://") && endswith(output.url, ":6379/0")
    error_message = "The URL must use TLS (rediss://) and carry no token."
  }
}

run "single_node" {
  command = plan

  variables {
    num_cache_clusters = 1
  }

  assert {
    condition     = !aws_elasticache_replication_group.this[0].automatic_failover_enabled && !aws_elasticache_replication_group.this[0].multi_az_enabled
    error_message = "One node cannot fail over."
  }
}

run "disabled" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_elasticache_replication_group.this) == 0 && output.url == null
    error_message = "create = false makes nothing."
  }
}
