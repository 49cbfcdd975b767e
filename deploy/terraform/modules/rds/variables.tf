variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "identifier" {
  description = "Identifier of the DB instance and prefix of its subnet group, parameter group and security group."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "engine_version" {
  description = "PostgreSQL version (major 15; a bare major lets AWS pick the newest minor)."
  type        = string
  default     = "15"

  validation {
    condition     = can(regex("^15(\\.|$)", var.engine_version))
    error_message = "This module is for PostgreSQL 15."
  }
}

variable "instance_class" {
  description = "Instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB; 0 turns storage autoscaling off."
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Name of the database created at launch."
  type        = string
  default     = "footfall"
}

variable "master_username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager."
  type        = string
  default     = "footfall"
}

variable "master_user_secret_kms_key_id" {
  description = "KMS key for the RDS-managed master password secret; null uses aws/secretsmanager."
  type        = string
  default     = null
}

variable "kms_key_id" {
  description = "KMS key ARN for storage encryption; null uses aws/rds. Storage is encrypted either way."
  type        = string
  default     = null
}

variable "multi_az" {
  description = "Run a synchronous standby in a second AZ."
  type        = bool
  default     = false
}

variable "backup_retention_period" {
  description = "Days of automated backups."
  type        = number
  default     = 7
}

variable "backup_window" {
  description = "Daily UTC backup window."
  type        = string
  default     = "03:00-03:30"
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window."
  type        = string
  default     = "sun:04:00-sun:05:00"
}

variable "deletion_protection" {
  description = "Refuse DeleteDBInstance."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (only for throwaway environments)."
  type        = bool
  default     = false
}

variable "performance_insights" {
  description = "Performance Insights (CloudWatch Database Insights, Standard mode): on by default, since RDS for PostgreSQL supports it on every instance class and the 7-day retention is free."
  type = object({
    enabled          = optional(bool, true)
    retention_period = optional(number, 7)
    kms_key_id       = optional(string)
  })
  default = {}
}

variable "monitoring_interval" {
  description = "Enhanced monitoring interval in seconds (0 turns it off; otherwise a monitoring role is created)."
  type        = number
  default     = 0
}

variable "vpc_id" {
  description = "VPC of the security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the DB subnet group (two AZs at least)."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups admitted on the PostgreSQL port, keyed by a static name (e.g. { service = SG_ID }); nothing else is."
  type        = map(string)
  default     = {}
}

variable "parameters" {
  description = "Extra parameters of the parameter group (name => value, applied pending-reboot)."
  type        = map(string)
  default     = {}
}

variable "cloudwatch_log_group_retention_in_days" {
  description = "Retention of the exported PostgreSQL and upgrade logs."
  type        = number
  default     = 30
}

variable "cloudwatch_log_group_kms_key_id" {
  description = "Optional KMS key ARN for the exported log groups."
  type        = string
  default     = null
}
