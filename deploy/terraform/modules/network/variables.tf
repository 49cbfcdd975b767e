variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix for every resource."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "azs" {
  description = "Availability zones to spread subnets over (one public and one private subnet per AZ)."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 1
    error_message = "Give at least one availability zone."
  }
}

variable "public_subnet_newbits" {
  description = "Bits added to the VPC prefix for public subnets (8 turns a /16 into /24s)."
  type        = number
  default     = 8
}

variable "create_private_subnets" {
  description = "Whether to create private subnets (one per AZ). Without them everything runs in public subnets."
  type        = bool
  default     = true
}

variable "nat_gateway" {
  description = "NAT for private subnets: enabled, and single (one shared NAT gateway) or one per AZ."
  type = object({
    enabled = optional(bool, false)
    single  = optional(bool, true)
  })
  default = {}
}

variable "vpc_endpoints" {
  description = "VPC endpoints to create. Gateway endpoints (s3, dynamodb) are free; interface endpoints (ecr_api, ecr_dkr, logs) cost per AZ-hour and let private tasks pull images without NAT."
  type = object({
    s3       = optional(bool, false)
    dynamodb = optional(bool, false)
    ecr_api  = optional(bool, false)
    ecr_dkr  = optional(bool, false)
    logs     = optional(bool, false)
  })
  default = {}
}

variable "flow_log" {
  description = "VPC flow logs to CloudWatch Logs."
  type = object({
    enabled           = optional(bool, false)
    retention_in_days = optional(number, 30)
    kms_key_id        = optional(string)
    traffic_type      = optional(string, "REJECT")
  })
  default = {}
}
