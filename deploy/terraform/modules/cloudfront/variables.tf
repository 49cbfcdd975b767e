variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix of the distribution's policies and its comment."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "origin_domain_name" {
  description = "Host name CloudFront connects to over HTTPS: one the load balancer's certificate covers (e.g. origin.stats.example.com, an alias of the ALB), not the ALB's own DNS name."
  type        = string
}

variable "aliases" {
  description = "Host names visitors use (stats.example.com); empty uses the distribution's cloudfront.net name."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate in us-east-1 covering aliases (required when aliases are given)."
  type        = string
  default     = null
}

variable "cached_path_patterns" {
  description = "Paths served from CloudFront's cache, by the origin's Cache-Control: the tracker script (/js/*) and the dashboard's static files (/static/*). Everything else goes to the origin uncached."
  type        = list(string)
  default     = ["/js/*", "/static/*"]
}

variable "price_class" {
  description = "CloudFront price class (PriceClass_100: North America and Europe edges only, the cheapest)."
  type        = string
  default     = "PriceClass_100"
}

variable "web_acl_arn" {
  description = "WAF web ACL (CLOUDFRONT scope) to attach, or null."
  type        = string
  default     = null
}

variable "logging_bucket" {
  description = "S3 bucket domain name (bucket.s3.amazonaws.com) for standard access logs, or null for none."
  type        = string
  default     = null
}
