################################################################################
# VPC
################################################################################

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones the subnets are spread over, in the order of the subnet lists."
  value       = local.azs
}

################################################################################
# Subnets
################################################################################

output "public_subnet_ids" {
  description = "IDs of the public subnets, one per availability zone, in the order of `availability_zones`."
  value       = [for zone in local.azs : aws_subnet.public[zone].id]
}

output "public_subnet_cidr_blocks" {
  description = "CIDR blocks of the public subnets, in the order of `availability_zones`."
  value       = [for zone in local.azs : aws_subnet.public[zone].cidr_block]
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, one per availability zone, in the order of `availability_zones`."
  value       = [for zone in local.azs : aws_subnet.private[zone].id]
}

output "private_subnet_cidr_blocks" {
  description = "CIDR blocks of the private subnets, in the order of `availability_zones`."
  value       = [for zone in local.azs : aws_subnet.private[zone].cidr_block]
}

output "public_route_table_id" {
  description = "ID of the route table shared by the public subnets."
  value       = aws_route_table.public.id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, one per availability zone, in the order of `availability_zones`."
  value       = [for zone in local.azs : aws_route_table.private[zone].id]
}

################################################################################
# NAT gateways
################################################################################

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways (one, or one per availability zone, following `nat_gateway_mode`)."
  value       = [for zone in local.nat_zones : aws_nat_gateway.this[zone].id]
}

output "nat_public_ips" {
  description = "Public IP addresses of the NAT gateways: the source addresses of traffic leaving the private subnets."
  value       = [for zone in local.nat_zones : aws_eip.nat[zone].public_ip]
}

################################################################################
# Flow logs
################################################################################

output "flow_log_id" {
  description = "ID of the VPC flow log, or null when `enable_flow_logs` is false."
  value       = try(aws_flow_log.this[0].id, null)
}

output "flow_log_group_name" {
  description = "Name of the CloudWatch log group receiving the flow logs, or null when `enable_flow_logs` is false."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}
