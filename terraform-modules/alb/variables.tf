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

variable "name" {
  description = "Component name of the service behind the load balancer (for example `api`): the third part of the load balancer and target group names."
  type        = string
  default     = "web"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name))
    error_message = "var.name must be 2 to 20 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen; got \"${var.name}\"."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource. The module always sets `Project` and `Environment` itself, so those two keys cannot be overridden here."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Load balancer
################################################################################

variable "vpc_id" {
  description = "ID of the VPC the load balancer and its target groups belong to."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "var.vpc_id must be a VPC ID such as \"vpc-0123456789abcdef0\"; got \"${var.vpc_id}\"."
  }
}

variable "subnet_ids" {
  description = "IDs of the public subnets the load balancer is placed in, in at least two availability zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "var.subnet_ids must list at least two subnets in different availability zones; an Application Load Balancer needs two."
  }
}

variable "internal" {
  description = "Determines whether the load balancer is internal (reachable only from inside the VPC) instead of internet-facing."
  type        = bool
  default     = false
  nullable    = false
}

variable "idle_timeout_seconds" {
  description = "Seconds a connection may stay idle before the load balancer closes it."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.idle_timeout_seconds >= 1 && var.idle_timeout_seconds <= 4000
    error_message = "var.idle_timeout_seconds must be from 1 to 4000; got ${var.idle_timeout_seconds}."
  }
}

variable "deletion_protection" {
  description = "Determines whether AWS refuses to delete the load balancer until this is turned off. Set it to false before destroying the environment."
  type        = bool
  default     = false
  nullable    = false
}

variable "access_logs" {
  description = "S3 bucket (and optional key prefix) receiving the load balancer's access logs, or null for none. The bucket policy must allow the regional Elastic Load Balancing account to write."
  type = object({
    bucket = string
    prefix = optional(string)
  })
  default = null
}

################################################################################
# Security group
################################################################################

variable "ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the HTTP and HTTPS listener ports."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.ingress_cidr_blocks : can(cidrhost(cidr, 0)) && strcontains(cidr, "/")])
    error_message = "var.ingress_cidr_blocks must contain only IPv4 CIDR blocks such as \"0.0.0.0/0\" or \"203.0.113.0/24\"; got ${jsonencode(var.ingress_cidr_blocks)}."
  }
}

variable "ingress_prefix_list_ids" {
  description = "Managed prefix lists allowed to reach the HTTP and HTTPS listener ports, for example CloudFront's origin-facing list (`com.amazonaws.global.cloudfront.origin-facing`) with `ingress_cidr_blocks = []`."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.ingress_prefix_list_ids : can(regex("^pl-[0-9a-f]+$", id))])
    error_message = "var.ingress_prefix_list_ids must contain only prefix list IDs such as \"pl-3b927c52\"; got ${jsonencode(var.ingress_prefix_list_ids)}."
  }
}

################################################################################
# Listeners
################################################################################

variable "http_port" {
  description = "Port of the HTTP listener. It forwards to the target groups, or redirects to HTTPS when `certificate_arn` is set."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.http_port >= 1 && var.http_port <= 65535
    error_message = "var.http_port must be a port from 1 to 65535; got ${var.http_port}."
  }
}

variable "https_port" {
  description = "Port of the HTTPS listener, used when `certificate_arn` is set."
  type        = number
  default     = 443
  nullable    = false

  validation {
    condition     = var.https_port >= 1 && var.https_port <= 65535
    error_message = "var.https_port must be a port from 1 to 65535; got ${var.https_port}."
  }
}

variable "certificate_arn" {
  description = "ARN of the ACM (or IAM) certificate for the HTTPS listener. When set, the production listener uses HTTPS and the HTTP listener redirects to it; when null, the production listener is plain HTTP."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:(acm:[a-z0-9-]+:[0-9]{12}:certificate/|iam::[0-9]{12}:server-certificate/)", var.certificate_arn))
    error_message = "var.certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID) or an IAM server certificate ARN; got \"${coalesce(var.certificate_arn, "null")}\"."
  }
}

variable "additional_certificate_arns" {
  description = "More certificate ARNs for the HTTPS listener, served by SNI. Needs `certificate_arn`."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "ssl_policy" {
  description = "Security policy of the HTTPS listener (the TLS versions and ciphers offered)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-")
    error_message = "var.ssl_policy must name an ELB security policy such as \"ELBSecurityPolicy-TLS13-1-2-2021-06\"; got \"${var.ssl_policy}\"."
  }
}

variable "test_listener" {
  description = "Optional test listener that reaches the idle colour before it takes production traffic. It accepts traffic only from `cidr_blocks`. Null for none."
  type = object({
    port        = number
    cidr_blocks = list(string)
  })
  default = null

  validation {
    condition     = var.test_listener == null || try(var.test_listener.port >= 1 && var.test_listener.port <= 65535, false)
    error_message = "var.test_listener.port must be a port from 1 to 65535."
  }

  validation {
    condition     = var.test_listener == null || try(alltrue([for cidr in var.test_listener.cidr_blocks : can(cidrhost(cidr, 0)) && strcontains(cidr, "/") && cidr != "0.0.0.0/0"]), false)
    error_message = "var.test_listener.cidr_blocks must contain only IPv4 CIDR blocks narrower than 0.0.0.0/0 (for example the VPC block or a VPN range): the test listener serves a release that is not live yet."
  }
}

################################################################################
# Target groups
################################################################################

variable "target_port" {
  description = "Port the containers listen on; the target groups send traffic and health checks there."
  type        = number
  default     = 3000
  nullable    = false

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535
    error_message = "var.target_port must be a port from 1 to 65535; got ${var.target_port}."
  }
}

variable "health_check" {
  description = "Health check of both target groups. The path must answer with one of the `matcher` codes when the service is ready."
  type = object({
    path                = optional(string, "/healthz")
    matcher             = optional(string, "200")
    interval_seconds    = optional(number, 15)
    timeout_seconds     = optional(number, 5)
    healthy_threshold   = optional(number, 2)
    unhealthy_threshold = optional(number, 3)
  })
  default  = {}
  nullable = false

  validation {
    condition     = startswith(var.health_check.path, "/")
    error_message = "var.health_check.path must start with \"/\"; got \"${var.health_check.path}\"."
  }

  validation {
    condition     = var.health_check.timeout_seconds < var.health_check.interval_seconds
    error_message = "var.health_check.timeout_seconds (${var.health_check.timeout_seconds}) must be shorter than var.health_check.interval_seconds (${var.health_check.interval_seconds})."
  }

  validation {
    condition     = var.health_check.interval_seconds >= 5 && var.health_check.interval_seconds <= 300 && var.health_check.timeout_seconds >= 2 && var.health_check.timeout_seconds <= 120
    error_message = "var.health_check.interval_seconds must be from 5 to 300 and var.health_check.timeout_seconds from 2 to 120."
  }

  validation {
    condition     = var.health_check.healthy_threshold >= 2 && var.health_check.healthy_threshold <= 10 && var.health_check.unhealthy_threshold >= 2 && var.health_check.unhealthy_threshold <= 10
    error_message = "var.health_check.healthy_threshold and var.health_check.unhealthy_threshold must each be from 2 to 10."
  }
}

variable "deregistration_delay_seconds" {
  description = "Seconds the target groups keep sending in-flight requests to a target being removed."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "var.deregistration_delay_seconds must be from 0 to 3600; got ${var.deregistration_delay_seconds}."
  }
}
