mock_provider "aws" {
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.30.0.0/16" }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/ff/1" }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/ff/1/80" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ff/1" }
  }
}

variables {
  name       = "ff"
  vpc_id     = "vpc-1"
  subnet_ids = ["subnet-a", "subnet-b"]
}

override_resource {
  target = aws_lb_listener.https[0]
  values = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/ff/1/443" }
}

run "https_with_certificate" {
  command = apply

  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
  }

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].type == "redirect"
    error_message = "Port 80 must redirect when a certificate is given."
  }

  assert {
    condition = (
      aws_lb_listener.http[0].default_action[0].redirect[0].protocol == "HTTPS" &&
      aws_lb_listener.http[0].default_action[0].redirect[0].port == "443" &&
      aws_lb_listener.http[0].default_action[0].redirect[0].status_code == "HTTP_301"
    )
    error_message = "The redirect must go to HTTPS on 443, permanently."
  }

  assert {
    condition     = aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/abc" && aws_lb_listener.https[0].protocol == "HTTPS"
    error_message = "The HTTPS listener must carry the given certificate."
  }

  assert {
    condition     = startswith(aws_lb_listener.https[0].ssl_policy, "ELBSecurityPolicy-TLS13")
    error_message = "The HTTPS listener must use a TLS 1.3 policy."
  }

  assert {
    condition     = aws_lb.this[0].drop_invalid_header_fields
    error_message = "Invalid header fields must be dropped."
  }

  assert {
    condition     = aws_lb_target_group.this[0].target_type == "ip" && aws_lb_target_group.this[0].health_check[0].path == "/health"
    error_message = "Targets are Fargate IPs, checked on /health (a database failover must not fail every target)."
  }

  assert {
    condition     = aws_lb_listener_rule.blocked[0].listener_arn == aws_lb_listener.https[0].arn && tolist(one(aws_lb_listener_rule.blocked[0].condition).path_pattern[0].values) == tolist(["/metrics", "/metrics/*"]) && aws_lb_listener_rule.blocked[0].action[0].fixed_response[0].status_code == "404"
    error_message = "/metrics is answered 404 by the load balancer itself."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.listener) == 2
    error_message = "Ports 80 and 443 must be open to clients."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.targets[0].cidr_ipv4 == "10.30.0.0/16" && aws_vpc_security_group_egress_rule.targets[0].from_port == 8000
    error_message = "The ALB may only reach the targets' port inside the VPC."
  }
}

run "plain_http_without_certificate" {
  command = plan

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].type == "forward" && length(aws_lb_listener.https) == 0
    error_message = "Without a certificate port 80 forwards and there is no HTTPS listener."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.listener) == ["80-0.0.0.0/0"]
    error_message = "Without a certificate only port 80 is open."
  }
}

run "restricted_to_cidrs_and_a_security_group" {
  command = plan

  variables {
    ingress_cidr_blocks        = ["198.51.100.0/24"]
    ingress_security_group_ids = { counter = "sg-lambda" }
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.listener) == ["80-198.51.100.0/24"] && aws_vpc_security_group_ingress_rule.from_security_groups["80-counter"].referenced_security_group_id == "sg-lambda"
    error_message = "Only the listed networks and the listed security group reach the listener."
  }
}

run "behind_cloudfront_only" {
  command = plan

  variables {
    certificate_arn         = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    ingress_cidr_blocks     = []
    ingress_prefix_list_ids = { cloudfront = "pl-3b927c52" }
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.listener) == 0 && toset([for r in aws_vpc_security_group_ingress_rule.from_prefix_lists : "${r.from_port} ${r.prefix_list_id}"]) == toset(["80 pl-3b927c52", "443 pl-3b927c52"])
    error_message = "Only the prefix list (CloudFront's origin-facing addresses) reaches both listeners."
  }
}
