variable "name" {
  description = "Name of the function and prefix of its resources."
  type        = string
  default     = "site-visit-counter"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "package" {
  description = "Zip of handler.py (cd examples/lambda-counter && zip counter.zip handler.py)."
  type        = string
}

variable "footfall_url" {
  description = "Where Footfall answers (FOOTFALL_URL), e.g. https://stats.example.com, or the internal ALB's name when the ALB admits this function's security group only."
  type        = string
}

variable "footfall_site" {
  description = "The site's domain as registered in Footfall."
  type        = string
}

variable "vpc_config" {
  description = "Run the function in these subnets with its own security group, so Footfall's ALB can admit that group only (alb module: ingress_security_group_ids). The ALB must then be reached by its private addresses (internal ALB in the same VPC); through a NAT the group is lost. Null: no VPC."
  type = object({
    vpc_id     = string
    subnet_ids = list(string)
  })
  default = null
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30
}
