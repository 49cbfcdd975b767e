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
  description = "KMS key of the alarm topic (alias/aws/sns by default). A customer key needs a policy letting CloudWatch use it."
  type        = string
  default     = "alias/aws/sns"
}

variable "alarm_email" {
  description = "Optional address subscribed to the alarm topic (AWS sends a confirmation mail first)."
  type        = string
  default     = null
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
    alb_5xx_count            = optional(number, 10)
    target_response_time_p95 = optional(number, 1)
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
