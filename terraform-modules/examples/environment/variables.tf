variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "aws_endpoint_url" {
  description = "One endpoint URL for every AWS service, for a local emulator such as moto (`http://127.0.0.1:5000`). Null uses the AWS endpoints."
  type        = string
  default     = null
}

variable "project" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = "shop"
}

variable "environment" {
  description = "Environment name, the second part of every resource name and the `Environment` tag."
  type        = string
  default     = "staging"
}

variable "image" {
  description = "Backend image of the first task definition revision (the deploy action registers later ones)."
  type        = string
  default     = "public.ecr.aws/docker/library/node:22-alpine"
}

variable "certificate_arn" {
  description = "ARN of the load balancer's certificate; null serves plain HTTP (CloudFront then reaches the load balancer over HTTP)."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Determines whether RDS refuses to delete the database. Set false and apply before destroying."
  type        = bool
  default     = true
}

variable "teardown" {
  description = "Determines whether destroying the environment skips the database's final snapshot and the secret's recovery window and empties the site bucket (for tests; keep false for real environments)."
  type        = bool
  default     = false
}

variable "single_page_app" {
  description = "Determines whether client-side routes of the site are served `index.html`."
  type        = bool
  default     = true
}
