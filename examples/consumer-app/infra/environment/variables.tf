################################################################################
# Target
################################################################################

variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "us-east-1"
}

variable "aws_endpoint_url" {
  description = "One endpoint URL for every AWS service, for a local emulator such as moto (`http://127.0.0.1:5000`). Null uses the AWS endpoints."
  type        = string
  default     = null
}

variable "project" {
  description = "Project name, the first part of every resource name (`<project>-<environment>-<component>`)."
  type        = string
  default     = "notes"
}

variable "environment" {
  description = "Environment name (`staging`, `production`): the second part of every resource name, the `Environment` tag and the application's ENVIRONMENT."
  type        = string
}

################################################################################
# Network
################################################################################

variable "vpc_cidr_block" {
  description = "IPv4 CIDR block of the environment's VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "nat_gateway_mode" {
  description = "`one_per_az` (private subnets keep internet access when a zone fails) or `single` (one shared NAT gateway, cheaper)."
  type        = string
  default     = "one_per_az"
}

variable "certificate_arn" {
  description = "ACM certificate for an HTTPS listener on the load balancer. Null serves plain HTTP on the load balancer; viewers still reach the site over HTTPS through CloudFront."
  type        = string
  default     = null
}

################################################################################
# Application
################################################################################

variable "image" {
  description = "Backend image of the first task definition revision (a new environment). Later releases register their own revisions through the deploy action, so changing this has no effect on an existing environment."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the image repository (the bootstrap root's `ecr_repository_arn` output) that the tasks pull from. Null for an image outside ECR."
  type        = string
  default     = null
}

variable "desired_count" {
  description = "Tasks of the first (blue) service; the deploy action owns the counts afterwards."
  type        = number
  default     = 2
}

variable "cpu" {
  description = "CPU units of a task (1024 is one vCPU)."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Memory of a task in MiB, within the Fargate range of `cpu`."
  type        = number
  default     = 512
}

variable "database_ssl_mode" {
  description = "PGSSLMODE of the application. The database module requires TLS (`rds.force_ssl = 1`). `verify-full` checks the server certificate against the CA bundle at `database_ca_bundle_path` in the image."
  type        = string
  default     = "verify-full"

  validation {
    condition     = contains(["require", "verify-ca", "verify-full", "no-verify"], var.database_ssl_mode)
    error_message = "var.database_ssl_mode must be require, verify-ca, verify-full or no-verify (RDS rejects unencrypted connections); got \"${var.database_ssl_mode}\"."
  }
}

variable "database_ca_bundle_path" {
  description = "Path inside the image of the RDS certificate authority bundle, passed as NODE_EXTRA_CA_CERTS. Null passes nothing."
  type        = string
  default     = "/app/certs/rds-ca-bundle.pem"
}

################################################################################
# Database
################################################################################

variable "database_multi_az" {
  description = "Determines whether the database keeps a standby in a second availability zone."
  type        = bool
  default     = true
}

variable "database_instance_class" {
  description = "Instance class of the database."
  type        = string
  default     = "db.t4g.micro"
}

variable "database_deletion_protection" {
  description = "Determines whether RDS refuses to delete the database. Turn it off (and apply) before destroying the environment."
  type        = bool
  default     = true
}

variable "database_skip_final_snapshot" {
  description = "Determines whether deleting the database skips its final snapshot. Keep false for real data."
  type        = bool
  default     = false
}

################################################################################
# Tests
################################################################################

variable "site_bucket_require_tls" {
  description = "Determines whether the site bucket denies requests without TLS. Keep true for real accounts; set false only against a local emulator that serves plain HTTP, such as the kit's local rehearsal."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy" {
  description = "Determines whether destroying the environment also deletes the site's files (for tests against an emulator)."
  type        = bool
  default     = false
}

variable "jwt_secret_version" {
  description = "Version of the generated JWT secret value. Increase it to write a new random value, which tasks read when they next start."
  type        = number
  default     = 1

  validation {
    condition     = var.jwt_secret_version >= 1 && floor(var.jwt_secret_version) == var.jwt_secret_version
    error_message = "var.jwt_secret_version must be a whole number of at least 1; got ${var.jwt_secret_version}."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days the JWT secret stays recoverable after deletion: 0 (at once, for tests) or 7 to 30."
  type        = number
  default     = 7
}
