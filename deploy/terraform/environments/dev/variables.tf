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
  description = "Scale the service to zero tasks at night and back up in the morning. Off by default: it saves about $1/month on Fargate Spot (the ALB and IPv4 bill around the clock), loses the night's visits, and turns off the no-healthy-hosts alarm (docs/deploy.md)."
  type = object({
    enabled    = optional(bool, false)
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
  description = "Create the account's GitHub OIDC provider. False by default: the bootstrap root creates it."
  type        = bool
  default     = false
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
  description = "Address that receives the alarms, failed deployments and budget alerts (required: confirm the subscription mail AWS sends)."
  type        = string
  nullable    = false
}

variable "monthly_budget_usd" {
  description = "Monthly AWS Budget of the account in USD (alerts on the forecast passing it and on 80% actually spent). Null: no budget."
  type        = number
  default     = 10
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

variable "secrets_version" {
  description = "Version of the secret key and admin token Terraform writes (write-only). Raise it to write new random values, then redeploy the service (tasks read them at start)."
  type        = number
  default     = 1
}

variable "generate_secrets" {
  description = "Generate the secret key and admin token with Secrets Manager's GetRandomPassword. False writes a placeholder that Footfall refuses to start with: set the values yourself with aws ssm put-parameter --overwrite (the offline tests do so: their mock provider has no ephemeral resources)."
  type        = bool
  default     = true
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS (then port 80 redirects to 443). Without one, dev serves plain HTTP and only to allowed_cidr_blocks: logins and the admin token must not cross the internet in clear."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "Host name of the certificate, pointed at the load balancer; FOOTFALL_PUBLIC_URL becomes https://DOMAIN_NAME. Null: the load balancer's own name over http."
  type        = string
  default     = null
}

variable "allowed_cidr_blocks" {
  description = "Networks that may reach the load balancer (your office or VPN). 0.0.0.0/0 is refused without a certificate."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_cidr_blocks) > 0 && alltrue([for c in var.allowed_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "Give at least one CIDR block, e.g. 198.51.100.0/24."
  }

  validation {
    condition     = var.certificate_arn != null || !contains(var.allowed_cidr_blocks, "0.0.0.0/0")
    error_message = "Without certificate_arn dev is plain HTTP: list your networks instead of 0.0.0.0/0, or give a certificate."
  }
}

variable "ecr_repository_name" {
  description = "Image repository of this environment, created by the bootstrap root."
  type        = string
  default     = "footfall-dev"
}

variable "layout" {
  description = "fargate: the ECS service behind an ALB (about $30/month). serverless: no VPC, ALB, ECS or public IPv4; the app as a Lambda behind an HTTP API on the same table, close to $0 at low volume (needs lambda_package). Costs per option: docs/deploy.md."
  type        = string
  default     = "fargate"

  validation {
    condition     = contains(["fargate", "serverless"], var.layout)
    error_message = "Use fargate or serverless."
  }
}
