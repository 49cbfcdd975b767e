variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the repository."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "image_tag_mutability" {
  description = "IMMUTABLE (default: a pushed tag can never point at another image; deploys tag by commit SHA) or MUTABLE."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["IMMUTABLE", "MUTABLE"], var.image_tag_mutability)
    error_message = "Use IMMUTABLE or MUTABLE."
  }
}

variable "scan_on_push" {
  description = "Scan each image for known CVEs when it is pushed."
  type        = bool
  default     = true
}

variable "encryption" {
  description = "Encryption at rest: AES256 (ECR-managed key) or KMS with an optional customer key ARN."
  type = object({
    type        = optional(string, "AES256")
    kms_key_arn = optional(string)
  })
  default = {}
}

variable "force_delete" {
  description = "Allow destroying the repository while it still holds images (for throwaway environments)."
  type        = bool
  default     = false
}

variable "lifecycle_policy" {
  description = "Image expiry: keep this many tagged images, and drop untagged images after this many days."
  type = object({
    keep_tagged_count    = optional(number, 30)
    untagged_expiry_days = optional(number, 7)
    tagged_prefix_list   = optional(list(string), [])
    tag_pattern_list     = optional(list(string), ["*"])
  })
  default = {}
}
