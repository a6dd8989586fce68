terraform {
  # use_lockfile in the S3 backend needs Terraform 1.10 or newer; the
  # module itself needs 1.5.
  required_version = ">= 1.10"

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
