locals {
  # True when the root runs against a local emulator such as moto.
  emulated = var.aws_endpoint_url != null
}

provider "aws" {
  region = var.region

  # A local emulator has no credential validation or instance metadata
  # service, and serves S3 only at path-style addresses. The account ID
  # still comes from STS, which the emulator answers: without it the
  # provider reads security group rules that reference another group as
  # `<account>/<group>` and plans to change them after every apply.
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  s3_use_path_style           = local.emulated

  # Null endpoints leave the provider on the AWS endpoints.
  endpoints {
    cloudfront     = var.aws_endpoint_url
    cloudwatch     = var.aws_endpoint_url
    cloudwatchlogs = var.aws_endpoint_url
    ec2            = var.aws_endpoint_url
    ecs            = var.aws_endpoint_url
    elbv2          = var.aws_endpoint_url
    iam            = var.aws_endpoint_url
    kms            = var.aws_endpoint_url
    rds            = var.aws_endpoint_url
    s3             = var.aws_endpoint_url
    secretsmanager = var.aws_endpoint_url
    sts            = var.aws_endpoint_url
  }

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
