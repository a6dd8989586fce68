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

variable "deletion_protection" {
  description = "Determines whether RDS refuses to delete the database; set false before destroying."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Determines whether deleting the database skips the final snapshot (for tests)."
  type        = bool
  default     = false
}
