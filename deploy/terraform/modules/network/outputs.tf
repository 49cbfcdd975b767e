output "vpc_id" {
  description = "ID of the VPC."
  value       = try(aws_vpc.this[0].id, null)
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = try(aws_vpc.this[0].cidr_block, null)
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, one per AZ."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, one per AZ (empty when private subnets are off)."
  value       = aws_subnet.private[*].id
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (what outbound traffic from private subnets comes from)."
  value       = aws_eip.nat[*].public_ip
}

output "vpc_endpoint_ids" {
  description = "Map of endpoint key (s3, dynamodb, ecr_api, ecr_dkr, logs) to VPC endpoint ID."
  value       = merge({ for k, v in aws_vpc_endpoint.gateway : k => v.id }, { for k, v in aws_vpc_endpoint.interface : k => v.id })
}

output "public_subnet_cidr_blocks" {
  description = "CIDR blocks of the public subnets (where an internet-facing load balancer's nodes take their addresses)."
  value       = aws_subnet.public[*].cidr_block
}
