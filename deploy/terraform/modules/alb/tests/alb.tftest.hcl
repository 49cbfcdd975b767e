mock_provider "aws" {
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.30.0.0/16" }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/ff/1" }
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
    condition     = aws_lb_target_group.this[0].target_type == "ip" && aws_lb_target_group.this[0].health_check[0].path == "/ready"
    error_message = "Targets are Fargate IPs, checked on /ready."
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
