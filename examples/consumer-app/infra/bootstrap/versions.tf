terraform {
  required_version = ">= 1.10"

  # The bootstrap root creates the state bucket, so its own state starts
  # local. After the first apply it can move into that bucket with
  # `terraform init -migrate-state` and a backend "s3" block.

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
