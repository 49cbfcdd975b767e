data "aws_region" "current" {
  count = var.create ? 1 : 0
}

locals {
  az_count = length(var.azs)

  create_private = var.create && var.create_private_subnets
  create_nat     = local.create_private && var.nat_gateway.enabled
  nat_count      = local.create_nat ? (var.nat_gateway.single ? 1 : local.az_count) : 0

  # Public subnets take the first netnums, private subnets start at 100 so
  # adding an AZ later never renumbers an existing subnet.
  public_cidrs  = [for i in range(local.az_count) : cidrsubnet(var.cidr, var.public_subnet_newbits, i)]
  private_cidrs = [for i in range(local.az_count) : cidrsubnet(var.cidr, var.public_subnet_newbits, i + 100)]

  interface_endpoints = {
    for k, enabled in {
      ecr_api = var.vpc_endpoints.ecr_api
      ecr_dkr = var.vpc_endpoints.ecr_dkr
      logs    = var.vpc_endpoints.logs
    } : k => enabled if var.create && enabled
  }
  interface_endpoint_service = {
    ecr_api = "ecr.api"
    ecr_dkr = "ecr.dkr"
    logs    = "logs"
  }
  gateway_endpoints = {
    for k, enabled in {
      s3       = var.vpc_endpoints.s3
      dynamodb = var.vpc_endpoints.dynamodb
    } : k => enabled if var.create && enabled
  }

  # Interface endpoints live where the tasks are.
  endpoint_subnet_ids = local.create_private ? aws_subnet.private[*].id : aws_subnet.public[*].id
  route_table_ids     = concat(aws_route_table.public[*].id, aws_route_table.private[*].id)
}

resource "aws_vpc" "this" {
  count = var.create ? 1 : 0

  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

# Take over the default security group and leave it without rules, so nothing
# lands in it by accident with open egress.
resource "aws_default_security_group" "this" {
  count = var.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-default-unused" })
}

resource "aws_internet_gateway" "this" {
  count = var.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  count = var.create ? local.az_count : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = local.public_cidrs[count.index]
  availability_zone = var.azs[count.index]
  # Tasks that need a public address ask for one explicitly (assign_public_ip);
  # nothing gets one just by being launched here.
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-public-${var.azs[count.index]}", Tier = "public" })
}

resource "aws_route_table" "public" {
  count = var.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  count = var.create ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = var.create ? local.az_count : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_subnet" "private" {
  count = local.create_private ? local.az_count : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = local.private_cidrs[count.index]
  availability_zone = var.azs[count.index]

  tags = merge(var.tags, { Name = "${var.name}-private-${var.azs[count.index]}", Tier = "private" })
}

resource "aws_route_table" "private" {
  count = local.create_private ? local.az_count : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-private-${var.azs[count.index]}" })
}

resource "aws_route_table_association" "private" {
  count = local.create_private ? local.az_count : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"
  tags   = merge(var.tags, { Name = "${var.name}-nat-${count.index}" })
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = merge(var.tags, { Name = "${var.name}-nat-${count.index}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route" "private_nat" {
  count = local.create_nat ? local.az_count : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.nat_gateway.single ? 0 : count.index].id
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = local.gateway_endpoints

  vpc_id            = aws_vpc.this[0].id
  service_name      = "com.amazonaws.${data.aws_region.current[0].name}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.route_table_ids

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_security_group" "endpoints" {
  count = length(local.interface_endpoints) > 0 ? 1 : 0

  name        = "${var.name}-vpc-endpoints"
  description = "HTTPS from inside the VPC to interface endpoints"
  vpc_id      = aws_vpc.this[0].id

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }

  tags = merge(var.tags, { Name = "${var.name}-vpc-endpoints" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  vpc_id              = aws_vpc.this[0].id
  service_name        = "com.amazonaws.${data.aws_region.current[0].name}.${local.interface_endpoint_service[each.key]}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_cloudwatch_log_group" "flow_log" {
  #checkov:skip=CKV_AWS_338:Retention is an input (default 30 days); a privacy-first service keeps operational logs short. Raise it where policy requires.
  count = var.create && var.flow_log.enabled ? 1 : 0

  name              = "/vpc/${var.name}/flow-log"
  retention_in_days = var.flow_log.retention_in_days
  kms_key_id        = var.flow_log.kms_key_id
  tags              = var.tags
}

resource "aws_iam_role" "flow_log" {
  count = var.create && var.flow_log.enabled ? 1 : 0

  name_prefix = "${var.name}-flow-log-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "flow_log" {
  count = var.create && var.flow_log.enabled ? 1 : 0

  name = "flow-log"
  role = aws_iam_role.flow_log[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = ["${aws_cloudwatch_log_group.flow_log[0].arn}:*"]
    }]
  })
}

resource "aws_flow_log" "this" {
  count = var.create && var.flow_log.enabled ? 1 : 0

  vpc_id          = aws_vpc.this[0].id
  traffic_type    = var.flow_log.traffic_type
  log_destination = aws_cloudwatch_log_group.flow_log[0].arn
  iam_role_arn    = aws_iam_role.flow_log[0].arn
  tags            = var.tags
}
