output "arn" {
  description = "ARN of the load balancer."
  value       = try(aws_lb.this[0].arn, null)
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch LoadBalancer dimension)."
  value       = try(aws_lb.this[0].arn_suffix, null)
}

output "dns_name" {
  description = "DNS name of the load balancer (point a CNAME or alias here)."
  value       = try(aws_lb.this[0].dns_name, null)
}

output "zone_id" {
  description = "Route 53 zone ID of the load balancer, for alias records."
  value       = try(aws_lb.this[0].zone_id, null)
}

output "security_group_id" {
  description = "ID of the load balancer's security group (the service admits only this one)."
  value       = try(aws_security_group.this[0].id, null)
}

output "target_group_arn" {
  description = "ARN of the target group ECS registers tasks in."
  value       = try(aws_lb_target_group.this[0].arn, null)
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch TargetGroup dimension)."
  value       = try(aws_lb_target_group.this[0].arn_suffix, null)
}

output "request_count_resource_label" {
  description = "Resource label for the ALBRequestCountPerTarget autoscaling metric."
  value       = try("${aws_lb.this[0].arn_suffix}/${aws_lb_target_group.this[0].arn_suffix}", null)
}

output "https_enabled" {
  description = "Whether an HTTPS listener exists (and port 80 redirects)."
  value       = local.https
}

output "http_listener_arn" {
  description = "ARN of the port 80 listener."
  value       = try(aws_lb_listener.http[0].arn, null)
}

output "https_listener_arn" {
  description = "ARN of the port 443 listener, null without a certificate."
  value       = try(aws_lb_listener.https[0].arn, null)
}

output "certificate_arn" {
  description = "ARN of the certificate on the HTTPS listener."
  value       = local.https ? local.certificate_arn : null
}

output "target_group_health_check_path" {
  description = "Path the load balancer checks targets on."
  value       = try(aws_lb_target_group.this[0].health_check[0].path, null)
}

output "ingress_cidr_blocks" {
  description = "Client networks admitted on the listener ports."
  value       = var.ingress_cidr_blocks
}

output "ingress_sources" {
  description = "Who the listener rules admit: client CIDR blocks and managed prefix list IDs."
  value = {
    cidr_blocks     = distinct([for r in aws_vpc_security_group_ingress_rule.listener : r.cidr_ipv4])
    prefix_list_ids = distinct([for r in aws_vpc_security_group_ingress_rule.from_prefix_lists : r.prefix_list_id])
  }
}
