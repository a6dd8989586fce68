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
  description = "Component name of the site (for example `web`): the third part of the bucket and distribution names."
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
# Bucket
################################################################################

variable "bucket_name" {
  description = "Name of the bucket holding the site's files. Null uses `<project>-<environment>-<name>`; bucket names are global, so set this when that name is taken."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "var.bucket_name must be 3 to 63 lower-case letters, digits or hyphens, starting and ending with a letter or digit (no dots: CloudFront origins and TLS need none); got \"${coalesce(var.bucket_name, "null")}\"."
  }
}

variable "acl" {
  description = "Not supported: the bucket enforces bucket-owner ownership, which disables ACLs. Access is granted by the bucket policy to this site's CloudFront distribution only. Leave null."
  type        = string
  default     = null

  validation {
    condition     = var.acl == null
    error_message = "var.acl is set to \"${coalesce(var.acl, "null")}\", but this module creates no ACLs: the bucket uses the BucketOwnerEnforced object ownership, so ACLs are disabled, and its public access block rejects public ACLs. Remove var.acl. Readers reach the files through CloudFront, which the bucket policy allows (origin access control); to grant another principal access, add a statement to a bucket policy instead."
  }
}

variable "deny_insecure_transport" {
  description = "Determines whether the bucket policy denies every request without TLS (`aws:SecureTransport`). Set false only for a local emulator that serves plain HTTP."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy" {
  description = "Determines whether destroying the module also deletes every object (and object version) in the bucket. Keep false for real sites."
  type        = bool
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the bucket's default encryption. Null uses SSE-S3 (AES-256). With a KMS key, its key policy must let the CloudFront service principal decrypt for this distribution."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days S3 keeps an object version after a newer one replaces it (the previous release's files stay available for rollback that long)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "var.noncurrent_version_expiration_days must be at least 1; got ${var.noncurrent_version_expiration_days}."
  }
}

################################################################################
# Distribution
################################################################################

variable "default_root_object" {
  description = "Object CloudFront returns for a request to the root URL."
  type        = string
  default     = "index.html"
  nullable    = false

  validation {
    condition     = length(var.default_root_object) > 0 && !startswith(var.default_root_object, "/")
    error_message = "var.default_root_object must be an object key without a leading slash, such as \"index.html\"; got \"${var.default_root_object}\"."
  }
}

variable "single_page_app" {
  description = "Determines whether requests for paths without a file extension (client-side routes such as `/orders/42`) are served `default_root_object`. A CloudFront Function on the default behaviour rewrites them, so the `/api/*` behaviour keeps the API's own status codes."
  type        = bool
  default     = false
  nullable    = false
}

variable "aliases" {
  description = "Extra domain names of the distribution (for example `shop.example.com`). They need `certificate_arn`."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "certificate_arn" {
  description = "ARN of an ACM certificate in us-east-1 covering `aliases`. Null uses the default `*.cloudfront.net` certificate."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "var.certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only from that region); got \"${coalesce(var.certificate_arn, "null")}\"."
  }
}

variable "minimum_protocol_version" {
  description = "Minimum TLS version viewers must use with `certificate_arn`."
  type        = string
  default     = "TLSv1.2_2021"
  nullable    = false

  validation {
    condition     = contains(["TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.3_2025"], var.minimum_protocol_version)
    error_message = "var.minimum_protocol_version must be TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021 or TLSv1.3_2025; got \"${var.minimum_protocol_version}\"."
  }
}

variable "price_class" {
  description = "CloudFront price class: which edge locations serve the site (`PriceClass_100`, `PriceClass_200` or `PriceClass_All`)."
  type        = string
  default     = "PriceClass_100"
  nullable    = false

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "var.price_class must be PriceClass_100, PriceClass_200 or PriceClass_All; got \"${var.price_class}\"."
  }
}

variable "response_headers_policy_id" {
  description = "ID of the response headers policy of every behaviour. Null uses the AWS managed SecurityHeadersPolicy (HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy, X-XSS-Protection)."
  type        = string
  default     = null
}

variable "web_acl_id" {
  description = "ARN of a WAF web ACL (in us-east-1) protecting the distribution, or null for none."
  type        = string
  default     = null
}

variable "logging" {
  description = "Standard access logs: the log bucket's domain name (`bucket.s3.amazonaws.com`; that bucket must allow ACLs for CloudFront's log delivery) and an optional prefix. Null for no logs."
  type = object({
    bucket          = string
    prefix          = optional(string, "")
    include_cookies = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.logging == null || try(endswith(var.logging.bucket, ".amazonaws.com"), false)
    error_message = "var.logging.bucket must be the log bucket's domain name, such as \"logs-bucket.s3.amazonaws.com\", not its bare name."
  }
}

################################################################################
# API origin
################################################################################

variable "api_origin" {
  description = "The backend that serves `path_pattern` on the same domain as the site (so the frontend calls `/api` without CORS), normally the load balancer's DNS name. Requests reach it uncached, with all methods, headers, cookies and query strings. Null for a site without API."
  type = object({
    domain_name     = string
    protocol_policy = optional(string, "https-only")
    http_port       = optional(number, 80)
    https_port      = optional(number, 443)
    path_pattern    = optional(string, "/api/*")
  })
  default = null

  validation {
    condition     = var.api_origin == null || try(contains(["http-only", "https-only", "match-viewer"], var.api_origin.protocol_policy), false)
    error_message = "var.api_origin.protocol_policy must be \"http-only\", \"https-only\" or \"match-viewer\"."
  }

  validation {
    condition     = var.api_origin == null || try(startswith(var.api_origin.path_pattern, "/") && length(var.api_origin.domain_name) > 0 && !strcontains(var.api_origin.domain_name, "/"), false)
    error_message = "var.api_origin.domain_name must be a bare host name (no scheme or path) and var.api_origin.path_pattern must start with \"/\"."
  }
}
