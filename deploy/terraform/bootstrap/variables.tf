variable "region" {
  description = "AWS region of the state bucket and the image repositories."
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

variable "github_repository" {
  description = "OWNER/REPO whose workflows plan and apply the environments."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Use OWNER/REPO."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it exists; give github_oidc_provider_arn then)."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN when create_github_oidc_provider is false."
  type        = string
  default     = null
}

variable "environments" {
  description = "Environments whose state, image repository and plan/apply roles this root creates: key => the GitHub environment of its apply jobs (protect it with required reviewers), of its plan jobs, and its image repository."
  type = map(object({
    github_environment      = string
    github_plan_environment = string
    ecr_repository          = string
    ecr_force_delete        = optional(bool, false)
  }))
  default = {
    dev = {
      github_environment      = "dev"
      github_plan_environment = "dev-plan"
      ecr_repository          = "footfall-dev"
      ecr_force_delete        = true
    }
    prod = {
      github_environment      = "production"
      github_plan_environment = "production-plan"
      ecr_repository          = "footfall"
    }
  }
}

variable "state_bucket_force_destroy" {
  description = "Allow destroying the state bucket with objects in it (throwaway accounts and the moto check only)."
  type        = bool
  default     = false
}
