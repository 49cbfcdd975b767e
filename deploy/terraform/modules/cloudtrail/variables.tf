variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the trail and prefix of its bucket."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "retention_days" {
  description = "Days the trail's log files are kept in the bucket."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Allow destroying the bucket with log files in it (throwaway environments)."
  type        = bool
  default     = false
}
