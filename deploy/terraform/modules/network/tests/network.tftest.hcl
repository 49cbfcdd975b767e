# Subnet layout, NAT counts and endpoints against the mock provider.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/ff/flow-log" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/ff-flow-log" }
  }
}

variables {
  name = "ff"
  cidr = "10.20.0.0/16"
  azs  = ["us-east-1a", "us-east-1b"]
}

run "public_only_without_nat" {
  command = apply

  variables {
    create_private_subnets = false
    nat_gateway            = { enabled = true }
    vpc_endpoints          = { dynamodb = true, s3 = true }
  }

  assert {
    condition     = [for s in aws_subnet.public : s.cidr_block] == ["10.20.0.0/24", "10.20.1.0/24"]
    error_message = "Public subnets take the first /24s, one per AZ."
  }

  assert {
    condition     = length(aws_subnet.private) == 0 && length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0
    error_message = "Without private subnets there is nothing to NAT: no gateway, no EIP (each is billed)."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "Public IPs are asked for per task (assign_public_ip), never on every launch."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.gateway)) == toset(["dynamodb", "s3"]) && length(aws_vpc_endpoint.interface) == 0
    error_message = "Only the free gateway endpoints."
  }

  assert {
    condition     = aws_vpc_endpoint.gateway["dynamodb"].service_name == "com.amazonaws.us-east-1.dynamodb"
    error_message = "Endpoint service names follow the region."
  }

  assert {
    condition     = length(aws_default_security_group.this[0].ingress) == 0 && length(aws_default_security_group.this[0].egress) == 0
    error_message = "The default security group allows nothing."
  }
}

run "private_subnets_single_nat" {
  command = apply

  variables {
    nat_gateway   = { enabled = true, single = true }
    vpc_endpoints = { ecr_api = true, ecr_dkr = true, logs = true }
    flow_log      = { enabled = true, retention_in_days = 14 }
  }

  assert {
    condition     = [for s in aws_subnet.private : s.cidr_block] == ["10.20.100.0/24", "10.20.101.0/24"]
    error_message = "Private subnets start at netnum 100, so adding an AZ never renumbers one."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 2
    error_message = "single = true shares one NAT gateway between every private route table."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr_api", "ecr_dkr", "logs"])
    error_message = "Interface endpoints as asked."
  }

  assert {
    condition     = one(aws_security_group.endpoints[0].ingress).from_port == 443 && tolist(one(aws_security_group.endpoints[0].ingress).cidr_blocks) == tolist(["10.20.0.0/16"])
    error_message = "Interface endpoints accept HTTPS from the VPC only."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_log[0].retention_in_days == 14 && aws_flow_log.this[0].traffic_type == "REJECT"
    error_message = "Flow logs keep rejected traffic, with a retention."
  }
}

run "nat_per_az" {
  command = plan

  variables {
    nat_gateway = { enabled = true, single = false }
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2 && length(aws_eip.nat) == 2
    error_message = "single = false puts one NAT gateway in each AZ."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create        = false
    vpc_endpoints = { s3 = true, logs = true }
    flow_log      = { enabled = true }
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.public) == 0 && length(aws_vpc_endpoint.gateway) == 0 && length(aws_vpc_endpoint.interface) == 0 && length(aws_flow_log.this) == 0
    error_message = "create = false creates no resource."
  }
}
