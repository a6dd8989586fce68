################################################################################
# Naming and tags
################################################################################

variable "project" {
  description = "Project name: the first part of every resource name (`<project>-<environment>-<component>`). Lower-case letters, digits and hyphens, 2 to 20 characters."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.project))
    error_message = "var.project must be 2 to 20 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen; got \"${var.project}\"."
  }
}

variable "environment" {
  description = "Environment name (for example `production`): the second part of every resource name and the value of the `Environment` tag. Lower-case letters, digits and hyphens, 2 to 16 characters."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "var.environment must be 2 to 16 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen; got \"${var.environment}\"."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource. The module always sets `Project` and `Environment` itself, so those two keys cannot be overridden here."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# VPC
################################################################################

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, with a prefix length from /16 to /24 (for example `10.0.0.0/16`)."
  type        = string
  nullable    = false

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.cidr_block))
    error_message = "var.cidr_block must be an IPv4 CIDR block with a prefix length from /16 to /24, such as \"10.0.0.0/16\"; got \"${var.cidr_block}\"."
  }

  validation {
    condition     = try(cidrhost(var.cidr_block, 0) == split("/", var.cidr_block)[0], true)
    error_message = "var.cidr_block must start at its network address (no host bits set); got \"${var.cidr_block}\". Use the block's first address, for example \"10.0.0.0/16\" rather than \"10.0.1.0/16\"."
  }
}

################################################################################
# Subnets
################################################################################

variable "availability_zones" {
  description = "Availability zones to spread the subnets over, in order. Leave empty to use the first `availability_zone_count` zones of the region."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) >= 2
    error_message = "var.availability_zones must name at least two zones (the load balancer and a Multi-AZ database need two), or be empty to pick zones automatically."
  }

  validation {
    condition     = length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "var.availability_zones must not list a zone twice."
  }
}

variable "availability_zone_count" {
  description = "Number of availability zones to use when `availability_zones` is empty. From 2 to 6."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 6 && floor(var.availability_zone_count) == var.availability_zone_count
    error_message = "var.availability_zone_count must be a whole number from 2 to 6; got ${var.availability_zone_count}."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix length for each computed subnet (4 turns a /16 VPC into /20 subnets). Used only for subnets whose CIDR blocks are not given."
  type        = number
  default     = 4
  nullable    = false

  validation {
    condition     = var.subnet_newbits >= 2 && var.subnet_newbits <= 8
    error_message = "var.subnet_newbits must be from 2 to 8; got ${var.subnet_newbits}."
  }
}

variable "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets, one per availability zone in order. Leave empty to compute them from `cidr_block`: the public subnets take the first blocks of its lower half."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.public_subnet_cidrs : can(cidrhost(cidr, 0)) && strcontains(cidr, "/")])
    error_message = "var.public_subnet_cidrs must contain only IPv4 CIDR blocks such as \"10.0.0.0/20\"; got ${jsonencode(var.public_subnet_cidrs)}."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets, one per availability zone in order. Leave empty to compute them from `cidr_block`: the private subnets take the first blocks of its upper half."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.private_subnet_cidrs : can(cidrhost(cidr, 0)) && strcontains(cidr, "/")])
    error_message = "var.private_subnet_cidrs must contain only IPv4 CIDR blocks such as \"10.0.128.0/20\"; got ${jsonencode(var.private_subnet_cidrs)}."
  }
}

################################################################################
# NAT gateways
################################################################################

variable "nat_gateway_mode" {
  description = "How private subnets reach the internet: `one_per_az` (a NAT gateway in each zone, so one zone failing leaves the others connected) or `single` (one shared NAT gateway, cheaper, a single point of failure)."
  type        = string
  default     = "one_per_az"
  nullable    = false

  validation {
    condition     = contains(["one_per_az", "single"], var.nat_gateway_mode)
    error_message = "var.nat_gateway_mode must be \"one_per_az\" or \"single\"; got \"${var.nat_gateway_mode}\"."
  }
}

################################################################################
# Flow logs
################################################################################

variable "enable_flow_logs" {
  description = "Determines whether the VPC sends flow logs to a CloudWatch log group created by this module."
  type        = bool
  default     = false
  nullable    = false
}

variable "flow_logs_traffic_type" {
  description = "Traffic recorded in the flow logs: `ACCEPT`, `REJECT` or `ALL`."
  type        = string
  default     = "ALL"
  nullable    = false

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_logs_traffic_type)
    error_message = "var.flow_logs_traffic_type must be \"ACCEPT\", \"REJECT\" or \"ALL\"; got \"${var.flow_logs_traffic_type}\"."
  }
}

variable "flow_logs_retention_in_days" {
  description = "Days CloudWatch keeps the flow logs. One of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_in_days)
    error_message = "var.flow_logs_retention_in_days must be one of the retention periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653); got ${var.flow_logs_retention_in_days}. A value of 0 (keep forever) is not accepted: choose a period."
  }
}
