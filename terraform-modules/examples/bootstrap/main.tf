locals {
  # True when the example runs against a local emulator such as moto.
  emulated = var.aws_endpoint_url != null
}

provider "aws" {
  region = var.region

  # A local emulator has no credential validation or instance metadata
  # service, and serves S3 only at path-style addresses. The account ID
  # still comes from STS, which the emulator answers.
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  s3_use_path_style           = local.emulated

  # Null endpoints leave the provider on the AWS endpoints.
  endpoints {
    acm            = var.aws_endpoint_url
    cloudfront     = var.aws_endpoint_url
    cloudwatch     = var.aws_endpoint_url
    cloudwatchlogs = var.aws_endpoint_url
    dynamodb       = var.aws_endpoint_url
    ec2            = var.aws_endpoint_url
    ecr            = var.aws_endpoint_url
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

# What a person applies once per account and environment before the
# pipeline can run: the state backend, the image repository and the role
# GitHub Actions assumes.

module "state_backend" {
  source = "../../state-backend"

  project     = var.project
  environment = var.environment

  create_lock_table              = true
  lock_table_deletion_protection = !var.teardown
  state_key_patterns             = ["${var.project}/${var.environment}/*"]
  force_destroy                  = var.teardown
}

module "ecr_repository" {
  source = "../../ecr-repository"

  project      = var.project
  environment  = var.environment
  name         = "api"
  force_delete = var.teardown
}

module "github_oidc" {
  source = "../../github-oidc"

  project     = var.project
  environment = var.environment

  repositories = [
    {
      name          = var.repository.name
      owner_id      = var.repository.owner_id
      repository_id = var.repository.repository_id
      branches      = ["main"]
      environments  = [var.environment]
    },
  ]

  ecr_repository_arns  = [module.ecr_repository.repository_arn]
  frontend_bucket_arns = ["arn:aws:s3:::${var.project}-${var.environment}-web"]
  policy_arns          = { state = module.state_backend.access_policy_arn }
  deploy_lock = {
    bucket_arn = module.state_backend.bucket_arn
    table_arn  = module.state_backend.lock_table_arn
  }
}
