variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the service, task family, container and log group suffix."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Service
################################################################################

variable "cluster_arn" {
  description = "ARN of the ECS cluster to run in."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster (used in the autoscaling resource ID)."
  type        = string
}

variable "desired_count" {
  description = "Initial number of tasks. Later changes come from autoscaling and are ignored by Terraform."
  type        = number
  default     = 1
}

variable "capacity_provider_strategy" {
  description = "Capacity provider strategy keyed by provider name (FARGATE, FARGATE_SPOT)."
  type = map(object({
    weight = optional(number, 1)
    base   = optional(number, 0)
  }))
  default = {
    FARGATE = {}
  }
}

variable "platform_version" {
  description = "Fargate platform version."
  type        = string
  default     = "LATEST"
}

variable "vpc_id" {
  description = "VPC of the service security group."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets the tasks run in."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give each task a public IP. Needed only in public subnets without NAT (the free-tier dev layout); keep false in private subnets."
  type        = bool
  default     = false
}

variable "security_group_ingress_source_security_group_ids" {
  description = "Security groups that may reach the container port, keyed by a static name (e.g. { alb = SG_ID }). Nothing else may."
  type        = map(string)
  default     = {}
}

variable "security_group_egress_https_cidr_blocks" {
  description = "Where tasks may connect out to on 443 (AWS APIs and ECR, through NAT, endpoints or the internet gateway)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "security_group_egress_rules" {
  description = "Extra TCP egress rules, each to a CIDR or to a security group, e.g. { postgres = { port = 5432, referenced_security_group_id = DB_SG } }."
  type = map(object({
    port                         = number
    cidr_ipv4                    = optional(string)
    referenced_security_group_id = optional(string)
    description                  = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for r in values(var.security_group_egress_rules) : (r.cidr_ipv4 == null) != (r.referenced_security_group_id == null)])
    error_message = "Each egress rule needs exactly one of cidr_ipv4 and referenced_security_group_id."
  }
}

variable "load_balancer" {
  description = "Target group to register tasks in. Null runs the service without a load balancer."
  type = object({
    target_group_arn = string
  })
  default = null
}

variable "health_check_grace_period_seconds" {
  description = "Seconds the scheduler ignores failing load balancer health checks after a task starts."
  type        = number
  default     = 60
}

variable "deployment_circuit_breaker" {
  description = "Stop a failing deployment, and roll back to the last good one."
  type = object({
    enable   = optional(bool, true)
    rollback = optional(bool, true)
  })
  default = {}
}

variable "deployment_minimum_healthy_percent" {
  description = "Lower bound on running tasks during a deployment, in percent of the desired count."
  type        = number
  default     = 100
}

variable "deployment_maximum_percent" {
  description = "Upper bound on running tasks during a deployment, in percent of the desired count."
  type        = number
  default     = 200
}

variable "enable_execute_command" {
  description = "Allow ECS Exec (aws ecs execute-command) into running tasks. Off by default: it gives a shell in production and needs a writable root filesystem (the SSM agent writes there). Sessions are logged by the cluster."
  type        = bool
  default     = false
}

variable "ignore_task_definition_changes" {
  description = "Let CI own the running task definition revision: Terraform creates the service but ignores later task definition changes made by deploys."
  type        = bool
  default     = false
}

variable "wait_for_steady_state" {
  description = "Make terraform apply wait until the service is stable."
  type        = bool
  default     = false
}

################################################################################
# Task definition and container
################################################################################

variable "cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 512
}

variable "runtime_platform" {
  description = "CPU architecture and OS of the task."
  type = object({
    cpu_architecture        = optional(string, "X86_64")
    operating_system_family = optional(string, "LINUX")
  })
  default = {}
}

variable "container_image" {
  description = "Image the container runs (repository URL and tag)."
  type        = string
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8000
}

variable "container_command" {
  description = "Optional command override for the container."
  type        = list(string)
  default     = null
}

variable "container_environment" {
  description = "Plain environment variables of the container."
  type        = map(string)
  default     = {}
}

variable "container_secrets" {
  description = "Secret environment variables: variable name => SSM parameter ARN or Secrets Manager ARN (optionally with :json-key:: suffix). The execution role is granted read on exactly these."
  type        = map(string)
  default     = {}
}

variable "container_readonly_root_filesystem" {
  description = "Mount the container root filesystem read-only. Null means read-only unless ECS Exec is on: the SSM agent behind ECS Exec needs a writable root filesystem."
  type        = bool
  default     = null
}

variable "container_health_check" {
  description = "Container health check. The default needs no curl: it asks /health with Python's urllib."
  type = object({
    command      = optional(list(string))
    interval     = optional(number, 30)
    timeout      = optional(number, 5)
    retries      = optional(number, 3)
    start_period = optional(number, 20)
    path         = optional(string, "/health")
  })
  default = {}
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL, for the app to drain its buffer."
  type        = number
  default     = 30
}

################################################################################
# Logs
################################################################################

variable "cloudwatch_log_group_retention_in_days" {
  description = "Retention of the container log group."
  type        = number
  default     = 30
}

variable "cloudwatch_log_group_kms_key_id" {
  description = "Optional KMS key ARN for the container log group."
  type        = string
  default     = null
}

################################################################################
# IAM: task execution role (pulls the image, writes logs, resolves secrets)
################################################################################

variable "task_exec_iam_role_name" {
  description = "Name prefix of the task execution role."
  type        = string
  default     = null
}

variable "task_exec_iam_role_ecr_repository_arns" {
  description = "ECR repositories the execution role may pull from. Empty means any repository in the account (needed only when the image is not in ECR, leave empty then)."
  type        = list(string)
  default     = []
}

variable "task_exec_iam_role_kms_key_arns" {
  description = "KMS keys the execution role may decrypt with (customer keys behind SecureString parameters or secrets)."
  type        = list(string)
  default     = []
}

variable "task_exec_iam_role_permissions_boundary" {
  description = "Optional permissions boundary ARN for the execution role."
  type        = string
  default     = null
}

################################################################################
# IAM: task role (what the app itself may do)
################################################################################

variable "tasks_iam_role_name" {
  description = "Name prefix of the task role."
  type        = string
  default     = null
}

variable "tasks_iam_role_statements" {
  description = "Policy statements of the task role, e.g. DynamoDB access to one table. ECS Exec permissions are added when enabled."
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

variable "tasks_iam_role_exec_log_group_arn" {
  description = "Log group ECS Exec sessions are recorded to (the cluster's); the task role may write only there."
  type        = string
  default     = null
}

variable "tasks_iam_role_permissions_boundary" {
  description = "Optional permissions boundary ARN for the task role."
  type        = string
  default     = null
}

################################################################################
# Autoscaling
################################################################################

variable "enable_autoscaling" {
  description = "Register the service as a scalable target with target-tracking policies."
  type        = bool
  default     = true
}

variable "autoscaling_min_capacity" {
  description = "Fewest tasks autoscaling keeps."
  type        = number
  default     = 1
}

variable "autoscaling_max_capacity" {
  description = "Most tasks autoscaling starts."
  type        = number
  default     = 4
}

variable "autoscaling_policies" {
  description = "Target-tracking targets. Null turns a policy off. alb_request_count needs autoscaling_alb_resource_label."
  type = object({
    cpu_target         = optional(number, 60)
    memory_target      = optional(number, 75)
    alb_request_count  = optional(number)
    scale_in_cooldown  = optional(number, 120)
    scale_out_cooldown = optional(number, 60)
  })
  default = {}
}

variable "autoscaling_alb_resource_label" {
  description = "app/LB_NAME/LB_ID/targetgroup/TG_NAME/TG_ID, for the ALB requests-per-target policy."
  type        = string
  default     = null
}

variable "autoscaling_scheduled_actions" {
  description = "Scheduled changes of min/max capacity, e.g. to zero at night and back in the morning. Schedule is cron(...) or at(...)."
  type = map(object({
    schedule     = string
    min_capacity = number
    max_capacity = number
    timezone     = optional(string, "UTC")
  }))
  default = {}
}
