terraform {
  # use_lockfile in the S3 backend needs Terraform 1.10 or newer, and the
  # write-only argument that sets the JWT secret's value 1.11.
  required_version = ">= 1.11"

  # Partial configuration: bucket, key, region and locking come from
  # -backend-config at init time (the bootstrap root's `backend_config`
  # output plus `key = "<project>/<environment>/terraform.tfstate"`).
  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
