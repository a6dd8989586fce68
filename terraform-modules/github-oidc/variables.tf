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
# OIDC provider
################################################################################

variable "create_oidc_provider" {
  description = "Determines whether the module creates the account's OIDC provider for `token.actions.githubusercontent.com`. An account has at most one; set false and give `oidc_provider_arn` when it already exists."
  type        = bool
  default     = true
  nullable    = false
}

variable "oidc_provider_arn" {
  description = "ARN of the existing GitHub OIDC provider, used when `create_oidc_provider` is false."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "var.oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider (arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com); got \"${coalesce(var.oidc_provider_arn, "null")}\"."
  }
}

variable "audience" {
  description = "Audience (`aud`) the tokens must carry; the AWS credentials action requests `sts.amazonaws.com`."
  type        = string
  default     = "sts.amazonaws.com"
  nullable    = false
}

################################################################################
# Trust
################################################################################

variable "repositories" {
  description = <<-EOT
    GitHub repositories whose workflows may assume the role, and from which branches and environments. `name` is `owner/repo`; `owner_id` and `repository_id` are the numeric IDs (`gh api repos/OWNER/REPO --jq '.owner.id, .id'`), which the immutable subject form (`repo:owner@OWNER_ID/repo@REPO_ID:...`) carries. The trust accepts both subject forms for each entry. `branches` may use `*` inside a pattern (`release/*`), never alone. `pull_requests = true` also trusts pull request workflows (plan-only pipelines).
  EOT
  type = list(object({
    name          = string
    owner_id      = number
    repository_id = number
    branches      = optional(list(string), ["main"])
    environments  = optional(list(string), [])
    pull_requests = optional(bool, false)
  }))
  nullable = false

  validation {
    condition     = length(var.repositories) > 0
    error_message = "var.repositories must list at least one repository."
  }

  validation {
    condition     = alltrue([for repository in var.repositories : can(regex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$", repository.name))])
    error_message = "var.repositories names must have the form \"owner/repo\" without wildcards; got ${jsonencode([for repository in var.repositories : repository.name])}."
  }

  validation {
    condition     = alltrue([for repository in var.repositories : repository.owner_id >= 1 && repository.repository_id >= 1 && floor(repository.owner_id) == repository.owner_id && floor(repository.repository_id) == repository.repository_id])
    error_message = "var.repositories owner_id and repository_id must be the positive numeric IDs GitHub reports (gh api repos/OWNER/REPO --jq '.owner.id, .id')."
  }

  validation {
    condition     = alltrue([for repository in var.repositories : length(repository.branches) + length(repository.environments) > 0 || repository.pull_requests])
    error_message = "var.repositories entries must allow at least one branch, environment or pull requests."
  }

  validation {
    condition     = alltrue(flatten([for repository in var.repositories : [for branch in repository.branches : length(trim(branch, "*/")) > 0 && !strcontains(branch, "**") && !strcontains(branch, "?") && !startswith(branch, "refs/")]]))
    error_message = "var.repositories branches must be branch names or patterns such as \"main\" or \"release/*\", without the refs/heads/ prefix; a pattern of only \"*\" (every branch) is not accepted."
  }

  validation {
    condition     = alltrue(flatten([for repository in var.repositories : [for environment in repository.environments : length(environment) > 0 && !strcontains(environment, "*") && !strcontains(environment, "?")]]))
    error_message = "var.repositories environments must be exact GitHub environment names, without wildcards."
  }
}

################################################################################
# Role
################################################################################

variable "role_name" {
  description = "Name of the deploy role. Null uses `<project>-<environment>-deploy`."
  type        = string
  default     = null
}

variable "max_session_duration_seconds" {
  description = "Longest session the role's credentials may last, from 3600 to 43200 seconds. The pipeline's run budget is far below one hour."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration_seconds >= 3600 && var.max_session_duration_seconds <= 43200
    error_message = "var.max_session_duration_seconds must be from 3600 to 43200; got ${var.max_session_duration_seconds}."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a permissions boundary policy for the role, or null for none."
  type        = string
  default     = null
}

################################################################################
# Permissions
################################################################################

variable "ecr_repository_arns" {
  description = "ECR repositories the build step pushes to and reads scan findings from."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", arn))])
    error_message = "var.ecr_repository_arns must contain only ECR repository ARNs (arn:aws:ecr:REGION:ACCOUNT:repository/NAME)."
  }
}

variable "frontend_bucket_arns" {
  description = "S3 buckets the publish step uploads the frontend to (and deletes stale files from)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.frontend_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]+$", arn))])
    error_message = "var.frontend_bucket_arns must contain only S3 bucket ARNs (arn:aws:s3:::BUCKET), without a key path."
  }
}

variable "cloudfront_distribution_arns" {
  description = "CloudFront distributions the publish step invalidates."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.cloudfront_distribution_arns : can(regex("^arn:aws[a-z-]*:cloudfront::[0-9]{12}:distribution/[A-Z0-9]+$", arn))])
    error_message = "var.cloudfront_distribution_arns must contain only CloudFront distribution ARNs (arn:aws:cloudfront::ACCOUNT:distribution/ID)."
  }
}

variable "deploy_lock" {
  description = "Where the deploy step keeps its lock: a bucket (objects under `locks/<project>/<environment>/`, usually the state bucket) and an optional DynamoDB table. Null grants no lock permissions."
  type = object({
    bucket_arn = string
    table_arn  = optional(string)
  })
  default = null

  validation {
    condition     = var.deploy_lock == null || try(can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]+$", var.deploy_lock.bucket_arn)), false)
    error_message = "var.deploy_lock.bucket_arn must be an S3 bucket ARN (arn:aws:s3:::BUCKET)."
  }
}

variable "policy_arns" {
  description = "Managed policies attached to the role, keyed by names of your choice: the Terraform state policy (`{ state = module.state_backend.access_policy_arn }`) and what the infrastructure step needs to create and change the environment's resources. The keys must be known at plan time; the ARNs may come from resources created in the same run. What Terraform may create is a decision of each organisation, so nothing beyond the actions' own permissions is attached by default."
  type        = map(string)
  default     = {}
  nullable    = false
}
