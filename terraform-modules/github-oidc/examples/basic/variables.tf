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

variable "repository" {
  description = "The GitHub repository allowed to deploy, with its numeric owner and repository IDs."
  type = object({
    name          = string
    owner_id      = number
    repository_id = number
  })
  default = {
    name          = "example-org/shop"
    owner_id      = 1000001
    repository_id = 2000002
  }
}
