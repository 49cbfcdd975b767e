variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Bucket name, or its start when append_account_id is true (bucket names are global)."
  type        = string
}

variable "append_account_id" {
  description = "Name the bucket NAME-ACCOUNT_ID, unique across accounts without a random suffix."
  type        = bool
  default     = true
}

variable "prefix" {
  description = "Key prefix the app writes under (FOOTFALL_ARCHIVE_URL=s3://BUCKET/PREFIX); the IAM statements grant this prefix only."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.=-]*(/[a-z0-9][a-z0-9_.=-]*)*$", var.prefix))
    error_message = "The prefix is one or more non-empty path segments, without leading or trailing slashes."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for SSE-KMS (with an S3 bucket key). Null uses SSE-S3 (AES-256, no key cost)."
  type        = string
  default     = null
}

variable "versioning" {
  description = "Keep overwritten or deleted objects as noncurrent versions for noncurrent_version_expiration_days (a slip of the operator is recoverable)."
  type        = bool
  default     = true
}

variable "noncurrent_version_expiration_days" {
  description = "Days a noncurrent version is kept before it is deleted."
  type        = number
  default     = 30
}

variable "transitions" {
  description = "Storage class transitions of current objects, in days after creation. Only objects above 128 KiB move: smaller ones would be billed as 128 KiB in STANDARD_IA and GLACIER_IR."
  type = list(object({
    days          = number
    storage_class = string
  }))
  default = [
    { days = 30, storage_class = "STANDARD_IA" },
    { days = 90, storage_class = "GLACIER_IR" },
  ]
}

variable "expiration_days" {
  description = "Delete archived days this many days after they were written. Null keeps them (match FOOTFALL_RETENTION_DAYS where a retention applies)."
  type        = number
  default     = null
}

variable "force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds objects (dev only)."
  type        = bool
  default     = false
}
