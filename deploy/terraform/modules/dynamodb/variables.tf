variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the table."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "hash_key" {
  description = "Partition key attribute (string); the app's single-table design (src/footfall/store/dynamo/table.py) uses PK."
  type        = string
  default     = "PK"
}

variable "range_key" {
  description = "Sort key attribute (string); the app uses SK."
  type        = string
  default     = "SK"
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes keyed by name; keys are string attributes. The app queries GSI1 (GSI1PK/GSI1SK)."
  type = map(object({
    hash_key           = string
    range_key          = optional(string)
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string))
  }))
  default = {
    GSI1 = { hash_key = "GSI1PK", range_key = "GSI1SK" }
  }
}

variable "ttl_attribute" {
  description = "Attribute holding an epoch-seconds expiry; DynamoDB deletes expired items for free (the app writes ttl). Null turns TTL off."
  type        = string
  default     = "ttl"
}

variable "point_in_time_recovery" {
  description = "Continuous backups with restore to any second of the last 35 days."
  type        = bool
  default     = true
}

variable "server_side_encryption_kms_key_arn" {
  description = "Customer-managed KMS key for encryption at rest. Null uses the AWS-managed key aws/dynamodb (encryption is always on)."
  type        = string
  default     = null
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable."
  type        = bool
  default     = true
}
