mock_provider "aws" {}

variables {
  identifier                 = "ff"
  vpc_id                     = "vpc-1"
  subnet_ids                 = ["subnet-a", "subnet-b"]
  allowed_security_group_ids = { service = "sg-service" }
}

run "defaults" {
  command = plan

  assert {
    condition     = toset(keys(aws_cloudwatch_log_group.exports)) == toset(aws_db_instance.this[0].enabled_cloudwatch_logs_exports) && alltrue([for g in aws_cloudwatch_log_group.exports : g.retention_in_days == 30])
    error_message = "Every exported log has its log group created first, with a retention."
  }

  assert {
    condition     = aws_db_instance.this[0].performance_insights_enabled && aws_db_instance.this[0].performance_insights_retention_period == 7
    error_message = "Performance Insights is on by default with the free 7-day retention (every RDS for PostgreSQL class supports it)."
  }

  assert {
    condition     = aws_db_instance.this[0].storage_encrypted
    error_message = "Storage must be encrypted."
  }

  assert {
    condition     = aws_db_instance.this[0].manage_master_user_password
    error_message = "The master password must be managed by RDS in Secrets Manager."
  }

  assert {
    condition     = aws_db_instance.this[0].publicly_accessible == false
    error_message = "The database must not be public."
  }

  assert {
    condition     = aws_db_instance.this[0].engine == "postgres" && startswith(aws_db_instance.this[0].engine_version, "15")
    error_message = "PostgreSQL 15 expected."
  }

  assert {
    condition     = aws_db_instance.this[0].deletion_protection && aws_db_instance.this[0].backup_retention_period == 7
    error_message = "Deletion protection and backups must be on by default."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.this) == ["service"] && aws_vpc_security_group_ingress_rule.this["service"].referenced_security_group_id == "sg-service"
    error_message = "Only the given security group may connect."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.this["service"].from_port == 5432 && aws_vpc_security_group_ingress_rule.this["service"].to_port == 5432
    error_message = "Only the PostgreSQL port is open."
  }

  assert {
    condition     = one([for p in aws_db_parameter_group.this[0].parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "Connections must be encrypted."
  }
}
