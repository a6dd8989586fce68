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

variable "nat_gateway_mode" {
  description = "`one_per_az` or `single`; see the module's variable of the same name."
  type        = string
  default     = "single"
}
