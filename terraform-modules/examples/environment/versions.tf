terraform {
  # use_lockfile in the S3 backend needs Terraform 1.10 or newer, and the
  # write-only argument that sets the JWT secret's value 1.11.
  required_version = ">= 1.11"

  # Partial configuration: the bucket, key, region and locking come from
  # -backend-config at init time.
  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
