data "aws_availability_zones" "available" {
  count = length(var.availability_zones) == 0 ? 1 : 0

  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  name = "${var.project}-${var.environment}"
  tags = merge(var.tags, { Project = var.project, Environment = var.environment })

  azs = length(var.availability_zones) > 0 ? var.availability_zones : slice(
    data.aws_availability_zones.available[0].names, 0, var.availability_zone_count
  )

  # Computed subnets: public ones from the start of the lower half of the
  # VPC block, private ones from the start of the upper half, so adding a
  # zone later never renumbers an existing subnet.
  half = pow(2, var.subnet_newbits - 1)
  public_cidrs = length(var.public_subnet_cidrs) > 0 ? var.public_subnet_cidrs : [
    for index in range(length(local.azs)) : cidrsubnet(var.cidr_block, var.subnet_newbits, index)
  ]
  private_cidrs = length(var.private_subnet_cidrs) > 0 ? var.private_subnet_cidrs : [
    for index in range(length(local.azs)) : cidrsubnet(var.cidr_block, var.subnet_newbits, local.half + index)
  ]

  # Subnets and NAT gateways are keyed by zone name, so reordering the
  # zones or adding one never replaces an existing subnet.
  zone_index = { for index, zone in local.azs : zone => index }
  nat_zones  = var.nat_gateway_mode == "single" ? [local.azs[0]] : local.azs
}

################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = "${local.name}-vpc" })

  lifecycle {
    precondition {
      condition     = length(local.azs) >= 2
      error_message = "The region offers ${length(local.azs)} availability zone(s) to this module; at least two are needed. Set var.availability_zones to two or more zones."
    }

    precondition {
      condition     = length(local.azs) <= local.half
      error_message = "var.subnet_newbits = ${var.subnet_newbits} leaves room for ${local.half} public and ${local.half} private subnets, fewer than the ${length(local.azs)} availability zones. Increase var.subnet_newbits or give the subnet CIDR blocks explicitly."
    }

    precondition {
      condition     = length(local.public_cidrs) == length(local.azs) && length(local.private_cidrs) == length(local.azs)
      error_message = "var.public_subnet_cidrs and var.private_subnet_cidrs must each list one CIDR block per availability zone (${length(local.azs)}), or be empty."
    }
  }
}

# The default security group of a new VPC allows all traffic between its
# members. Taking it over with no rules leaves it closed, so a resource
# created without an explicit group gets no access by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${local.name}-default" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${local.name}-igw" })
}

################################################################################
# Public subnets
################################################################################

resource "aws_subnet" "public" {
  for_each = local.zone_index

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = local.public_cidrs[each.value]
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${local.name}-public-${each.key}", Tier = "public" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${local.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

################################################################################
# NAT gateways
################################################################################

resource "aws_eip" "nat" {
  for_each = toset(local.nat_zones)

  domain = "vpc"

  tags = merge(local.tags, { Name = "${local.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_zones)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = merge(local.tags, { Name = "${local.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

################################################################################
# Private subnets
################################################################################

resource "aws_subnet" "private" {
  for_each = local.zone_index

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = local.private_cidrs[each.value]

  tags = merge(local.tags, { Name = "${local.name}-private-${each.key}", Tier = "private" })
}

resource "aws_route_table" "private" {
  for_each = local.zone_index

  vpc_id = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${local.name}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.zone_index

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.nat_gateway_mode == "single" ? local.azs[0] : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[each.key].id
}
