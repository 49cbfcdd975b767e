mock_provider "aws" {
  mock_resource "aws_cloudfront_cache_policy" {
    defaults = { id = "static-policy" }
  }
}

variables {
  name               = "fft"
  origin_domain_name = "origin.stats.example.com"
  aliases            = ["stats.example.com"]
  certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
}

run "cdn" {
  command = apply

  assert {
    condition     = one(aws_cloudfront_distribution.this[0].origin).custom_origin_config[0].origin_protocol_policy == "https-only" && one(aws_cloudfront_distribution.this[0].origin).domain_name == "origin.stats.example.com"
    error_message = "CloudFront reaches the load balancer over HTTPS, by a name its certificate covers."
  }

  assert {
    condition     = [for b in aws_cloudfront_distribution.this[0].ordered_cache_behavior : b.path_pattern] == ["/js/*", "/static/*"] && alltrue([for b in aws_cloudfront_distribution.this[0].ordered_cache_behavior : b.cache_policy_id == "static-policy" && b.allowed_methods == toset(["GET", "HEAD"])])
    error_message = "The tracker and the static files are cached (GET and HEAD only)."
  }

  assert {
    condition     = aws_cloudfront_cache_policy.static[0].parameters_in_cache_key_and_forwarded_to_origin[0].query_strings_config[0].query_string_behavior == "all" && aws_cloudfront_cache_policy.static[0].parameters_in_cache_key_and_forwarded_to_origin[0].cookies_config[0].cookie_behavior == "none"
    error_message = "Static files are keyed on their query string (?v=<hash>), never on cookies."
  }

  assert {
    condition     = aws_cloudfront_distribution.this[0].default_cache_behavior[0].cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" && contains(aws_cloudfront_distribution.this[0].default_cache_behavior[0].allowed_methods, "POST")
    error_message = "Everything else (ingest, stats, pages) passes to the origin uncached, POST included."
  }

  assert {
    condition     = aws_cloudfront_distribution.this[0].viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" && aws_cloudfront_distribution.this[0].viewer_certificate[0].ssl_support_method == "sni-only" && aws_cloudfront_distribution.this[0].default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https"
    error_message = "Visitors use HTTPS (TLS 1.2+) with the given certificate."
  }

  assert {
    condition     = length(aws_cloudfront_distribution.this[0].logging_config) == 0
    error_message = "No access logs unless a bucket is given (they would hold visitors' addresses)."
  }
}

run "off" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_cloudfront_distribution.this) == 0 && length(aws_cloudfront_cache_policy.static) == 0
    error_message = "create = false creates nothing."
  }
}

run "aliases_need_a_certificate" {
  command = plan

  variables {
    certificate_arn = null
  }

  expect_failures = [aws_cloudfront_distribution.this]
}
