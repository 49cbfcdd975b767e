variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the function, API and log groups."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "package" {
  description = "Deployment package: a local zip (filename) or an S3 object (s3_bucket and s3_key, optional s3_object_version). Build it with the app and its dependencies for manylinux x86_64, Python 3.11."
  type = object({
    filename          = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = optional(string)
  })

  validation {
    condition     = (var.package.filename != null) != (var.package.s3_bucket != null && var.package.s3_key != null)
    error_message = "Give either package.filename or package.s3_bucket and package.s3_key."
  }
}

variable "handler" {
  description = "Handler of the function (the Mangum adapter of the ASGI app)."
  type        = string
  default     = "footfall.lambda_handler.handler"
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.11"
}

variable "architectures" {
  description = "Instruction set of the function."
  type        = list(string)
  default     = ["x86_64"]
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 512
}

variable "timeout" {
  description = "Seconds a request may run (API Gateway HTTP APIs stop waiting at 30)."
  type        = number
  default     = 29
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) the function; -1 leaves it unreserved."
  type        = number
  default     = 50
}

variable "environment_variables" {
  description = "Environment of the function (FOOTFALL_* settings). Secrets belong in SSM/Secrets Manager, read by the app at start."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Optional customer key for the function's environment variables."
  type        = string
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: Active or PassThrough."
  type        = string
  default     = "Active"
}

variable "vpc_config" {
  description = "Optional VPC placement (for reaching RDS). Null runs outside a VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "iam_role_statements" {
  description = "Policy statements of the function role, e.g. DynamoDB access to one table."
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []
}

variable "cloudwatch_log_group_retention_in_days" {
  description = "Retention of the function and API access log groups."
  type        = number
  default     = 30
}

variable "cloudwatch_log_group_kms_key_id" {
  description = "Optional KMS key ARN for the log groups."
  type        = string
  default     = null
}

variable "api_throttling" {
  description = "Default route throttling of the HTTP API stage."
  type = object({
    burst_limit = optional(number, 200)
    rate_limit  = optional(number, 100)
  })
  default = {}
}

variable "cors_allow_origins" {
  description = "Origins allowed by CORS on the HTTP API (the tracker posts cross-origin). Empty disables CORS handling at the gateway."
  type        = list(string)
  default     = []
}
