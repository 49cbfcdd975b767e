variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the cluster."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "container_insights" {
  description = "CloudWatch Container Insights level: enabled, enhanced or disabled."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "Use enabled, enhanced or disabled."
  }
}

variable "default_capacity_provider_strategy" {
  description = "Default capacity provider strategy of the cluster, keyed by provider name (FARGATE or FARGATE_SPOT)."
  type = map(object({
    weight = optional(number, 1)
    base   = optional(number, 0)
  }))
  default = {
    FARGATE = { weight = 1, base = 0 }
  }

  validation {
    condition     = alltrue([for k in keys(var.default_capacity_provider_strategy) : contains(["FARGATE", "FARGATE_SPOT"], k)])
    error_message = "Keys must be FARGATE or FARGATE_SPOT."
  }
}

variable "execute_command_log_retention_in_days" {
  description = "Retention of the log group that records ECS Exec sessions."
  type        = number
  default     = 30
}

variable "cloudwatch_log_group_kms_key_id" {
  description = "Optional KMS key ARN for the ECS Exec log group."
  type        = string
  default     = null
}
