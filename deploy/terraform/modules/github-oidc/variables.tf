variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix of the deploy role and its policy."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "create_oidc_provider" {
  description = "Create the token.actions.githubusercontent.com OIDC provider. An account has at most one; pass oidc_provider_arn instead when it exists."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider (when create_oidc_provider is false)."
  type        = string
  default     = null
}

variable "repository" {
  description = "GitHub repository allowed to assume the role, as OWNER/REPO."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "Use OWNER/REPO."
  }
}

variable "environment" {
  description = "The only GitHub environment whose jobs may assume the role (their token's sub is repo:OWNER/REPO:environment:NAME). Protect it with required reviewers and a deployment branch rule."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.environment))
    error_message = "One environment name, no wildcards."
  }
}

variable "ecr_repository_arn" {
  description = "The only ECR repository the role may push to."
  type        = string
}

variable "ecs_cluster_arn" {
  description = "Cluster of the service (scopes ecs:UpdateService)."
  type        = string
}

variable "ecs_service_arn" {
  description = "The only ECS service the role may update."
  type        = string
}

variable "pass_role_arns" {
  description = "The task execution and task roles the role may pass to ECS in new task definition revisions."
  type        = list(string)
}

variable "max_session_duration" {
  description = "Longest session in seconds."
  type        = number
  default     = 3600
}
