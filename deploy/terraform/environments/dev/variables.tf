variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "footfall-dev"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "availability_zones" {
  description = "Two AZs for the subnets (an ALB needs two); tasks run in the first only. Empty picks the region's first two."
  type        = list(string)
  default     = []
}

variable "image_tag" {
  description = "Image tag Terraform puts in the first task definition. Later deploys come from CI and are not reverted."
  type        = string
  default     = "bootstrap"
}

variable "log_level" {
  description = "FOOTFALL_LOG_LEVEL of the service."
  type        = string
  default     = "INFO"
}

variable "desired_count" {
  description = "Tasks at creation (0 until an image has been pushed is fine)."
  type        = number
  default     = 1
}

variable "scale_to_zero_at_night" {
  description = "Scale the service to zero tasks at night and back up in the morning (Fargate bills per second of running tasks)."
  type = object({
    enabled    = optional(bool, true)
    stop_cron  = optional(string, "cron(0 22 * * ? *)")
    start_cron = optional(string, "cron(0 7 * * ? *)")
    timezone   = optional(string, "UTC")
  })
  default = {}
}

variable "github_repository" {
  description = "OWNER/REPO allowed to deploy through GitHub OIDC. Null skips the deploy role."
  type        = string
  default     = null
}

variable "github_environment" {
  description = "GitHub environment the dev deploy jobs run in; the dev deploy role trusts this environment only."
  type        = string
  default     = "dev"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it already exists, e.g. created by prod)."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN when create_github_oidc_provider is false."
  type        = string
  default     = null
}

variable "enable_monitoring" {
  description = "Create the alarm topic, alarms and dashboard (fits in the CloudWatch free tier: 10 alarms, 3 dashboards)."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Optional e-mail address for alarms."
  type        = string
  default     = null
}

variable "enable_lambda" {
  description = "Also deploy the serverless variant (Lambda + HTTP API) against the same table."
  type        = bool
  default     = false
}

variable "lambda_package" {
  description = "Lambda package: local zip path or S3 object (see modules/lambda)."
  type = object({
    filename  = optional(string)
    s3_bucket = optional(string)
    s3_key    = optional(string)
  })
  default = { filename = null, s3_bucket = null, s3_key = null }
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the running tasks (a shell, and a writable root filesystem while on). Off by default; turn on for a debugging session, then off again."
  type        = bool
  default     = false
}
