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
  description = "Component name of the image (for example `api`): the third part of the repository name."
  type        = string
  default     = "api"
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
# Repository
################################################################################

variable "encryption_type" {
  description = "Encryption of the stored images: `AES256` or `KMS`."
  type        = string
  default     = "AES256"
  nullable    = false

  validation {
    condition     = contains(["AES256", "KMS"], var.encryption_type)
    error_message = "var.encryption_type must be \"AES256\" or \"KMS\"; got \"${var.encryption_type}\"."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key with `encryption_type = \"KMS\"`. Null uses the AWS managed `aws/ecr` key."
  type        = string
  default     = null
}

variable "force_delete" {
  description = "Determines whether destroying the module also deletes the images in the repository. Keep false outside tests."
  type        = bool
  default     = false
  nullable    = false
}

variable "pull_principal_arns" {
  description = "ARNs of IAM principals (for example roles in other accounts) that may pull images. Principals of this account need only their own IAM permissions."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.pull_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", arn))])
    error_message = "var.pull_principal_arns must contain only IAM role, user or account root ARNs; \"*\" (everyone) is not accepted."
  }
}

################################################################################
# Lifecycle policy
################################################################################

variable "max_image_count" {
  description = "Number of most recent images kept; older ones expire. Keep it above the number of releases you may need to roll back to."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.max_image_count >= 1 && floor(var.max_image_count) == var.max_image_count
    error_message = "var.max_image_count must be a whole number of at least 1; got ${var.max_image_count}."
  }
}

variable "untagged_image_expiration_days" {
  description = "Days after which untagged images (layers of interrupted pushes, images whose tags were removed) expire."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.untagged_image_expiration_days >= 1 && floor(var.untagged_image_expiration_days) == var.untagged_image_expiration_days
    error_message = "var.untagged_image_expiration_days must be a whole number of at least 1; got ${var.untagged_image_expiration_days}."
  }
}
