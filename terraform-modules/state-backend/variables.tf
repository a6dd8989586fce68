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
# Bucket
################################################################################

variable "bucket_name" {
  description = "Name of the state bucket. Null uses `<project>-<environment>-tfstate`; bucket names are global, so set this when that name is taken."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "var.bucket_name must be 3 to 63 lower-case letters, digits or hyphens, starting and ending with a letter or digit; got \"${coalesce(var.bucket_name, "null")}\"."
  }
}

variable "deny_insecure_transport" {
  description = "Determines whether the bucket policy denies every request without TLS (`aws:SecureTransport`). Set false only for a local emulator that serves plain HTTP."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy" {
  description = "Determines whether destroying the module also deletes every state file and version in the bucket. Keep false outside tests."
  type        = bool
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the bucket's default encryption (and the lock table). Null uses SSE-S3 (AES-256) and the DynamoDB owned key."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days S3 keeps a state file version after a newer one replaces it: how far back a state can be restored."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "var.noncurrent_version_expiration_days must be at least 1; got ${var.noncurrent_version_expiration_days}."
  }
}

################################################################################
# Locking
################################################################################

variable "create_lock_table" {
  description = "Determines whether the module creates a DynamoDB lock table (hash key `LockID`) for Terraform releases older than 1.10 or for the deploy lock's DynamoDB mode. Terraform 1.10 and newer lock with an S3 lockfile (`use_lockfile = true`) and need no table."
  type        = bool
  default     = false
  nullable    = false
}

variable "lock_table_deletion_protection" {
  description = "Determines whether DynamoDB refuses to delete the lock table."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Access policy
################################################################################

variable "state_key_patterns" {
  description = "Keys (S3 wildcards allowed) of the state files the access policy may read and write, for example `[\"shop/production/*\"]`. The default covers the whole bucket."
  type        = list(string)
  default     = ["*"]
  nullable    = false

  validation {
    condition     = length(var.state_key_patterns) > 0 && alltrue([for pattern in var.state_key_patterns : length(pattern) > 0 && !startswith(pattern, "/")])
    error_message = "var.state_key_patterns must list at least one key pattern, each without a leading slash."
  }
}

variable "create_access_policy" {
  description = "Determines whether the module creates a managed IAM policy `<project>-<environment>-tfstate-access` with the permissions Terraform needs on this backend, to attach to the pipeline's role."
  type        = bool
  default     = true
  nullable    = false
}
