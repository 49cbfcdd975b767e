variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix of the topic, alarms and dashboard."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "sns_topic_kms_key_id" {
  description = "Customer-managed KMS key of the alarm topic. Null creates one whose policy lets CloudWatch, EventBridge and Budgets publish (the AWS-managed alias/aws/sns key does not: alarms sent to a topic under it are lost). A key given here needs the same grants."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_kms_key_id == null || !startswith(coalesce(var.sns_topic_kms_key_id, "-"), "alias/aws/")
    error_message = "AWS-managed keys cannot be used by CloudWatch alarms; give a customer-managed key or null."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic and the budget alerts (AWS mails each a confirmation link first). At least one: alarms that reach nobody are not alarms."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.alarm_emails) > 0 && alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "Give at least one e-mail address."
  }
}

variable "enable_no_healthy_hosts_alarm" {
  description = "Alarm when the target group has no healthy target (missing data counts as none). Turn off only where the service is scaled to zero on purpose."
  type        = bool
  default     = true
}

variable "ecs_service_arn" {
  description = "ARN of the ECS service (failed deployment events are matched on it)."
  type        = string
  default     = null
}

variable "monthly_budget" {
  description = "AWS Budget of the account: monthly limit in USD, an alert when the forecast passes forecast_percent of it and one when actual spend passes actual_percent. Null creates no budget."
  type = object({
    limit_usd        = number
    forecast_percent = optional(number, 100)
    actual_percent   = optional(number, 80)
  })
  default = null
}

variable "enable_alb_alarms" {
  description = "Create the load balancer alarms and widgets (needs alb_arn_suffix and target_group_arn_suffix)."
  type        = bool
  default     = false
}

variable "enable_ecs_alarms" {
  description = "Create the ECS service alarms and widgets (needs ecs_cluster_name and ecs_service_name)."
  type        = bool
  default     = false
}

variable "enable_rds_alarms" {
  description = "Create the database alarms and widgets (needs rds_instance_identifier)."
  type        = bool
  default     = false
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (LoadBalancer dimension)."
  type        = string
  default     = null
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the target group (for the unhealthy-hosts alarm)."
  type        = string
  default     = null
}

variable "ecs_cluster_name" {
  description = "ECS cluster of the service (ClusterName dimension)."
  type        = string
  default     = null
}

variable "ecs_service_name" {
  description = "ECS service to watch."
  type        = string
  default     = null
}

variable "rds_instance_identifier" {
  description = "RDS instance to put on the dashboard and alarm on (CPU, free storage)."
  type        = string
  default     = null
}

variable "thresholds" {
  description = "Alarm thresholds."
  type = object({
    error_rate_percent       = optional(number, 5)
    target_response_time_p99 = optional(number, 2)
    ecs_cpu_percent          = optional(number, 85)
    ecs_memory_percent       = optional(number, 85)
    unhealthy_hosts          = optional(number, 0)
    rds_cpu_percent          = optional(number, 80)
    rds_free_storage_bytes   = optional(number, 2147483648)
    evaluation_periods       = optional(number, 3)
    period_seconds           = optional(number, 60)
  })
  default = {}
}
