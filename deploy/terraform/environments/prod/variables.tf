variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "footfall"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "availability_zones" {
  description = "Two AZs. Empty picks the region's first two."
  type        = list(string)
  default     = []
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both AZs (saves about $33/month, loses egress of the other AZ if its AZ fails)."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "Create ECR and CloudWatch Logs interface endpoints (about $44/month for two AZs; saves NAT data processing on image pulls)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate ARN (same region) for the HTTPS listener."
  type        = string
}

variable "domain_name" {
  description = "Host name visitors' browsers reach Footfall at (the certificate's name, pointed at the load balancer): FOOTFALL_PUBLIC_URL becomes https://DOMAIN_NAME, so snippets never carry http:// URLs."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.domain_name))
    error_message = "A host name such as stats.example.com (no scheme, no path)."
  }
}

variable "alb_access_logs_bucket" {
  description = "Optional S3 bucket (with the ELB log delivery policy) for ALB access logs."
  type        = string
  default     = null
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

variable "task_cpu" {
  description = "CPU units per task."
  type        = number
  default     = 512
}

variable "task_memory" {
  description = "Memory per task in MiB."
  type        = number
  default     = 1024
}

variable "workers" {
  description = "FOOTFALL_WORKERS (uvicorn worker processes per task)."
  type        = number
  default     = 1
}

variable "autoscaling_min_capacity" {
  description = "Fewest tasks."
  type        = number
  default     = 2
}

variable "autoscaling_max_capacity" {
  description = "Most tasks."
  type        = number
  default     = 10
}

variable "autoscaling_requests_per_target" {
  description = "Target of ALB requests per task per minute."
  type        = number
  default     = 3000
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "db_multi_az" {
  description = "Multi-AZ standby for the database."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Performance Insights (RDS for PostgreSQL supports every class; 7 days of history are free)."
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
  default     = 300
}

variable "github_repository" {
  description = "OWNER/REPO allowed to deploy through GitHub OIDC."
  type        = string
}

variable "github_environment" {
  description = "GitHub environment of the deploy jobs (with required reviewers)."
  type        = string
  default     = "production"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it exists)."
  type        = bool
  default     = false
}

variable "github_oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN when create_github_oidc_provider is false."
  type        = string
  default     = null
}

variable "redis_node_type" {
  description = "ElastiCache node type of the shared Redis."
  type        = string
  default     = "cache.t4g.micro"
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes: a primary and replicas in other AZs (2 gives automatic failover)."
  type        = number
  default     = 2
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

variable "ecr_repository_name" {
  description = "Image repository of this environment, created by the bootstrap root."
  type        = string
  default     = "footfall"
}

variable "enable_cloudtrail" {
  description = "Create an account trail (every region, management events, log file validation) into its own bucket. Off when the organisation already has one."
  type        = bool
  default     = false
}

variable "archive_kms_key_arn" {
  description = "Customer-managed KMS key of the S3 archive. Null uses SSE-S3 (see modules/archive)."
  type        = string
  default     = null
}

variable "db_app_username" {
  description = "PostgreSQL role the app connects as (not the master): created by the app at start, with the master secret, with DML rights only (docs/deploy.md)."
  type        = string
  default     = "footfall_app"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_app_username)) && var.db_app_username != "footfall"
    error_message = "A lower-case PostgreSQL identifier other than the master user's (footfall)."
  }
}

variable "db_app_password_version" {
  description = "Version of the application role's password Terraform writes (write-only). Raise it to write a new random one, then roll the service: the next task start sets the role's password from the secret."
  type        = number
  default     = 1
}

variable "db_app_secret_kms_key_id" {
  description = "KMS key (ARN) of the application role's secret; null uses the AWS-managed aws/secretsmanager key."
  type        = string
  default     = null
}

variable "enable_cloudfront" {
  description = "Put CloudFront in front (modules/cloudfront): the tracker and static files cached at the edge, the ALB admitting only CloudFront, FOOTFALL_TRUSTED_PROXIES two hops. Point domain_name at the distribution and cloudfront_origin_domain_name at the ALB."
  type        = bool
  default     = false
}

variable "cloudfront_origin_domain_name" {
  description = "Name CloudFront reaches the ALB by, covered by certificate_arn (null: origin.DOMAIN_NAME)."
  type        = string
  default     = null
}

variable "cloudfront_certificate_arn" {
  description = "ACM certificate in us-east-1 for domain_name at CloudFront (null: certificate_arn, when the stack is in us-east-1)."
  type        = string
  default     = null
}
