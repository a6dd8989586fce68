variable "region" {
  description = "AWS region of the state bucket, the image repository and the environments."
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

variable "environments" {
  description = "Names of the environments the pipeline deploys to, in promotion order. Each gets its own deploy role, trusted only from the GitHub environment of the same name."
  type        = list(string)
  default     = ["staging", "production"]

  validation {
    condition     = length(var.environments) >= 1 && length(var.environments) == length(distinct(var.environments))
    error_message = "var.environments must list at least one environment, each once; got ${jsonencode(var.environments)}."
  }
}

variable "repository" {
  description = "The GitHub repository whose workflows deploy: `owner/repo` and its numeric IDs (`gh api repos/OWNER/REPO --jq '.owner.id, .id'`)."
  type = object({
    name          = string
    owner_id      = number
    repository_id = number
  })
}

variable "create_oidc_provider" {
  description = "Determines whether this root creates the account's GitHub OIDC provider. An account has at most one; set false when it exists already and give `oidc_provider_arn`."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of the existing GitHub OIDC provider, used when `create_oidc_provider` is false."
  type        = string
  default     = null
}

variable "cloudfront_distribution_ids" {
  description = "CloudFront distribution ID of each environment, from the environment root's `cloudfront_distribution_id` output, so the deploy role may invalidate it. Empty until the environments exist; apply this root again once they do."
  type        = map(string)
  default     = {}
}

variable "infrastructure_policy_arns" {
  description = "Managed policies attached to every deploy role for the infrastructure step (Terraform creating the network, load balancer, ECS, RDS and CloudFront resources), keyed by names of your choice other than `state`. What Terraform may create is each organisation's decision, so none is attached by default."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.infrastructure_policy_arns), "state")
    error_message = "var.infrastructure_policy_arns must not use the key \"state\": this root attaches the Terraform state policy under it."
  }
}

variable "state_bucket_require_tls" {
  description = "Determines whether the state bucket denies requests without TLS. Keep true for real accounts; set false only against a local emulator that serves plain HTTP, such as the kit's local rehearsal."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy" {
  description = "Determines whether destroying this root also deletes the state files and the images (for tests against an emulator). Keep false for real accounts."
  type        = bool
  default     = false
}
