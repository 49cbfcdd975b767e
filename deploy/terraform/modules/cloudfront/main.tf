################################################################################
# Optional CloudFront in front of the whole host (seeds 001 and 003): the tracker
# script and the dashboard's static files are served from the edge, by the
# origin's own Cache-Control (the versioned paths are immutable for a year, the
# plain /js/script.js for an hour); everything else (ingest, stats API, pages)
# goes to the load balancer uncached, with every viewer header, cookie and query
# string but Host. CloudFront appends the visitor's address to X-Forwarded-For:
# the app then trusts two hops (docs/deploy.md, "CloudFront").
################################################################################

locals {
  origin_id = "alb"
  # AWS managed policies (docs: "Use managed cache policies", "Use managed origin
  # request policies").
  caching_disabled              = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  all_viewer_except_host_header = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  security_headers_policy       = "67f7725c-6f97-4210-82d7-5512b31e9d03"
  custom_certificate            = length(var.aliases) > 0
  static_methods                = ["GET", "HEAD"]
  every_method                  = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
}

# The static paths: keyed on the whole query string (dashboard files carry their
# content hash in ?v=), nothing else; TTLs follow the origin's Cache-Control.
resource "aws_cloudfront_cache_policy" "static" {
  count = var.create ? 1 : 0

  name        = "${var.name}-static"
  comment     = "Footfall tracker and static files: by the origin's Cache-Control, keyed on the query string"
  min_ttl     = 0
  default_ttl = 3600
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# Security headers the app does not set already (override = false: the app's own
# win). No X-Frame-Options: shared dashboards are embedded on the site owners' pages
# (the app answers frame-ancestors per site).
resource "aws_cloudfront_response_headers_policy" "this" {
  #checkov:skip=CKV_AWS_259:HSTS for a year on this host only: includeSubDomains and preload would bind the operator's other names, and the app's own header wins.
  count = var.create ? 1 : 0

  name    = "${var.name}-security-headers"
  comment = "HSTS, nosniff and a referrer policy unless the app sets them"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = false
      override                   = false
    }
    content_type_options {
      override = false
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = false
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_310:One origin (the load balancer); there is no second origin to fail over to.
  #checkov:skip=CKV_AWS_374:Visitors come from anywhere; a geo restriction would drop their visits.
  #checkov:skip=CKV_AWS_305:No default root object: / is the app's own page, served by the origin.
  #checkov:skip=CKV_AWS_68:WAF is optional (web_acl_arn); its cost is the operator's choice.
  #checkov:skip=CKV2_AWS_47:WAF is optional (web_acl_arn), see CKV_AWS_68.
  #checkov:skip=CKV_AWS_86:Access logs are optional (logging_bucket): they hold visitors' addresses, which Footfall never stores.
  #checkov:skip=CKV2_AWS_42:A custom certificate is used whenever aliases are given; without them the cloudfront.net name has only CloudFront's default certificate.
  #checkov:skip=CKV_AWS_174:TLSv1.2_2021 is set whenever a custom certificate is used; CloudFront's default certificate allows no minimum.
  count = var.create ? 1 : 0

  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "${var.name}: tracker and static files cached, the rest passed to the load balancer"
  aliases         = var.aliases
  price_class     = var.price_class
  web_acl_id      = var.web_acl_arn

  origin {
    origin_id   = local.origin_id
    domain_name = var.origin_domain_name

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = local.every_method
    cached_methods             = local.static_methods
    cache_policy_id            = local.caching_disabled
    origin_request_policy_id   = local.all_viewer_except_host_header
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this[0].id
    compress                   = true
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.cached_path_patterns
    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.origin_id
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = local.static_methods
      cached_methods             = local.static_methods
      cache_policy_id            = aws_cloudfront_cache_policy.static[0].id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.this[0].id
      compress                   = true
    }
  }

  dynamic "logging_config" {
    for_each = var.logging_bucket == null ? [] : [var.logging_bucket]
    content {
      bucket          = logging_config.value
      include_cookies = false
      prefix          = "${var.name}/"
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.custom_certificate
    acm_certificate_arn            = local.custom_certificate ? var.certificate_arn : null
    ssl_support_method             = local.custom_certificate ? "sni-only" : null
    minimum_protocol_version       = local.custom_certificate ? "TLSv1.2_2021" : "TLSv1"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !local.custom_certificate || var.certificate_arn != null
      error_message = "aliases need certificate_arn: an ACM certificate in us-east-1 covering them."
    }
  }
}
