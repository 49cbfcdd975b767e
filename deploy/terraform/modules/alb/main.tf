locals {
  https           = var.create && (var.certificate_arn != null || var.create_certificate)
  certificate_arn = var.create_certificate ? try(aws_acm_certificate_validation.this[0].certificate_arn, aws_acm_certificate.this[0].arn, null) : var.certificate_arn
  listener_ports  = local.https ? [80, 443] : [80]
}

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0

  name_prefix = "${var.name}-alb-"
  description = "Load balancer ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "listener" {
  for_each = var.create ? {
    for pair in setproduct(local.listener_ports, var.ingress_cidr_blocks) : "${pair[0]}-${pair[1]}" => pair
  } : {}

  #checkov:skip=CKV_AWS_260:A public analytics endpoint must accept port 80 from anywhere; with a certificate port 80 only redirects to HTTPS.
  security_group_id = aws_security_group.this[0].id
  description       = "Clients on ${each.value[0]}"
  cidr_ipv4         = each.value[1]
  from_port         = each.value[0]
  to_port           = each.value[0]
  ip_protocol       = "tcp"
  tags              = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "from_security_groups" {
  for_each = var.create ? {
    for pair in setproduct(local.listener_ports, keys(var.ingress_security_group_ids)) : "${pair[0]}-${pair[1]}" => pair
  } : {}

  security_group_id            = aws_security_group.this[0].id
  description                  = "${each.value[1]} on ${each.value[0]}"
  referenced_security_group_id = var.ingress_security_group_ids[each.value[1]]
  from_port                    = each.value[0]
  to_port                      = each.value[0]
  ip_protocol                  = "tcp"
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "from_prefix_lists" {
  for_each = var.create ? {
    for pair in setproduct(local.listener_ports, keys(var.ingress_prefix_list_ids)) : "${pair[0]}-${pair[1]}" => pair
  } : {}

  security_group_id = aws_security_group.this[0].id
  description       = "${each.value[1]} on ${each.value[0]}"
  prefix_list_id    = var.ingress_prefix_list_ids[each.value[1]]
  from_port         = each.value[0]
  to_port           = each.value[0]
  ip_protocol       = "tcp"
  tags              = var.tags
}

# Only towards the targets' port inside the VPC: the ALB talks to nothing else.
data "aws_vpc" "this" {
  count = var.create ? 1 : 0
  id    = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  count = var.create ? 1 : 0

  security_group_id = aws_security_group.this[0].id
  description       = "Targets inside the VPC"
  cidr_ipv4         = data.aws_vpc.this[0].cidr_block
  from_port         = var.target_group.port
  to_port           = var.target_group.port
  ip_protocol       = "tcp"
  tags              = var.tags
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:deletion_protection is an input defaulting to true; only dev turns it off so the environment can be destroyed.
  #checkov:skip=CKV2_AWS_20:Port 80 redirects to HTTPS whenever a certificate is given; the certificate-less dev layout forwards plain HTTP.
  count = var.create ? 1 : 0

  #checkov:skip=CKV2_AWS_28:WAF is a per-environment cost decision (about $5/month + $1/rule); attach a web ACL outside this module when wanted.
  #checkov:skip=CKV_AWS_91:Access logs are an input (access_logs); they need an S3 bucket with an ELB bucket policy that the environment provides.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.this[0].id]
  idle_timeout               = var.idle_timeout
  enable_deletion_protection = var.deletion_protection
  drop_invalid_header_fields = true

  dynamic "access_logs" {
    for_each = var.access_logs == null ? [] : [var.access_logs]
    content {
      bucket  = access_logs.value.bucket
      prefix  = access_logs.value.prefix
      enabled = true
    }
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets are private task IPs inside the VPC and the app speaks plain HTTP.
  count = var.create ? 1 : 0

  name_prefix          = "ff-"
  port                 = var.target_group.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = var.target_group.deregistration_delay

  health_check {
    enabled             = true
    path                = var.target_group.health_check.path
    matcher             = var.target_group.health_check.matcher
    interval            = var.target_group.health_check.interval
    timeout             = var.target_group.health_check.timeout
    healthy_threshold   = var.target_group.health_check.healthy_threshold
    unhealthy_threshold = var.target_group.health_check.unhealthy_threshold
    protocol            = "HTTP"
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "http" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_2:Port 80 redirects to HTTPS whenever a certificate is given; plain HTTP is only the certificate-less dev layout.
  #checkov:skip=CKV_AWS_103:TLS policy is set on the HTTPS listener; this one is plain HTTP by definition.
  #checkov:skip=CKV2_AWS_20:The redirect is conditional on a certificate being given; the dev layout has none.
  load_balancer_arn = aws_lb.this[0].arn
  port              = 80
  protocol          = "HTTP"

  dynamic "default_action" {
    for_each = local.https ? [1] : []
    content {
      type = "redirect"
      redirect {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }

  dynamic "default_action" {
    for_each = local.https ? [] : [1]
    content {
      type             = "forward"
      target_group_arn = aws_lb_target_group.this[0].arn
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[0].arn
  }

  tags = var.tags
}

# Paths never forwarded (e.g. /metrics), on the listener that forwards.
resource "aws_lb_listener_rule" "blocked" {
  count = var.create && length(var.blocked_paths) > 0 ? 1 : 0

  listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
  priority     = 1

  condition {
    path_pattern {
      values = var.blocked_paths
    }
  }

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      message_body = jsonencode({ error = "not_found", detail = "not served here" })
      status_code  = "404"
    }
  }

  tags = var.tags
}

################################################################################
# Optional ACM certificate
################################################################################

resource "aws_acm_certificate" "this" {
  count = var.create && var.create_certificate ? 1 : 0

  domain_name               = var.certificate_domain_name
  subject_alternative_names = var.certificate_subject_alternative_names
  validation_method         = "DNS"
  tags                      = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = var.create && var.create_certificate && var.certificate_zone_id != null ? {
    for o in aws_acm_certificate.this[0].domain_validation_options : o.domain_name => o
  } : {}

  zone_id         = var.certificate_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = var.create && var.create_certificate && var.certificate_zone_id != null ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}
