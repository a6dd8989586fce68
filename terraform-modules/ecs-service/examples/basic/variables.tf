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
  description = "Container image of the first task definition revision."
  type        = string
  default     = "public.ecr.aws/docker/library/node:22-alpine"
}

variable "secret_recovery_window_in_days" {
  description = "Days Secrets Manager keeps the deleted JWT secret recoverable (0 deletes at once, for tests)."
  type        = number
  default     = 7
}
