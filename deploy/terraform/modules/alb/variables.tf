variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the load balancer and prefix of its target group and security group (at most 32 characters)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets the load balancer listens in (at least two AZs are required by AWS for an ALB)."
  type        = list(string)
}

variable "internal" {
  description = "Internal load balancer (no internet-facing address)."
  type        = bool
  default     = false
}

variable "ingress_cidr_blocks" {
  description = "Client networks admitted on the listener ports."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "ingress_security_group_ids" {
  description = "Security groups admitted on the listener ports (e.g. a Lambda that forwards visits), by a name used in the rule's description."
  type        = map(string)
  default     = {}
}

variable "ingress_prefix_list_ids" {
  description = "Managed prefix lists admitted on the listener ports (e.g. CloudFront's origin-facing com.amazonaws.global.cloudfront.origin-facing), by a name used in the rule's description."
  type        = map(string)
  default     = {}
}

variable "blocked_paths" {
  description = "Path patterns the load balancer answers 404 itself, never forwarding them (the app's /metrics: serve it on FOOTFALL_METRICS_LISTEN inside the VPC instead)."
  type        = list(string)
  default     = ["/metrics", "/metrics/*"]
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer through the API."
  type        = bool
  default     = true
}

variable "idle_timeout" {
  description = "Seconds a connection may stay idle."
  type        = number
  default     = 60
}

variable "certificate_arn" {
  description = "ACM certificate ARN for HTTPS. With it (or create_certificate) port 80 redirects to 443; without, port 80 forwards to the app."
  type        = string
  default     = null
}

variable "create_certificate" {
  description = "Request an ACM certificate for certificate_domain_name (DNS validated; records created when certificate_zone_id is given)."
  type        = bool
  default     = false
}

variable "certificate_domain_name" {
  description = "Domain name of the ACM certificate to request."
  type        = string
  default     = null
}

variable "certificate_subject_alternative_names" {
  description = "Additional names on the requested certificate."
  type        = list(string)
  default     = []
}

variable "certificate_zone_id" {
  description = "Route 53 zone to create the DNS validation records in. Null leaves validation to the operator."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "target_group" {
  description = "Target group the listener forwards to. Targets are registered by ECS (ip target type)."
  type = object({
    port                 = optional(number, 8000)
    deregistration_delay = optional(number, 30)
    health_check = optional(object({
      # /health (the process answers), not /ready (which asks the database): an RDS
      # failover must not mark every target unhealthy at once.
      path                = optional(string, "/health")
      matcher             = optional(string, "200")
      interval            = optional(number, 15)
      timeout             = optional(number, 5)
      healthy_threshold   = optional(number, 2)
      unhealthy_threshold = optional(number, 3)
    }), {})
  })
  default = {}
}

variable "access_logs" {
  description = "Access logs to an S3 bucket whose policy admits the regional ELB account. Null turns them off."
  type = object({
    bucket = string
    prefix = optional(string)
  })
  default = null
}
