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

variable "certificate_arn" {
  description = "ARN of the certificate for HTTPS; null serves plain HTTP."
  type        = string
  default     = null
}

variable "target_port" {
  description = "Port the containers listen on. Changing it replaces the target groups (under new names) and the listeners."
  type        = number
  default     = 3000
}
