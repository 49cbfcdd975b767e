variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Replication group id and prefix of its subnet group, security group and AUTH secret."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the nodes (one per AZ)."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups that may connect on 6379, by a name for the rule's description."
  type        = map(string)
  default     = {}
}

variable "engine_version" {
  description = "Redis OSS version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "Node type of each cache cluster."
  type        = string
  default     = "cache.t4g.micro"
}

variable "num_cache_clusters" {
  description = "Nodes: a primary and its replicas. More than one turns on automatic failover and multi-AZ."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 1 && var.num_cache_clusters <= 6
    error_message = "Between 1 and 6 nodes."
  }
}

variable "kms_key_id" {
  description = "KMS key ARN for at-rest encryption and the AUTH secret; null uses the AWS-managed keys. Encrypted either way."
  type        = string
  default     = null
}

variable "snapshot_retention_limit" {
  description = "Days of daily snapshots (the data is limits and cache news: 0 is fine)."
  type        = number
  default     = 1
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window."
  type        = string
  default     = "sun:05:00-sun:06:00"
}
