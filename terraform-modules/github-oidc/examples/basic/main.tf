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

data "aws_caller_identity" "current" {}

locals {
  name    = "${var.project}-${var.environment}"
  account = data.aws_caller_identity.current.account_id
}

module "github_oidc" {
  source = "../.."

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

  # The resources the kit's actions work on, named by the convention. IAM
  # accepts ARNs of resources that do not exist yet.
  ecr_repository_arns          = ["arn:aws:ecr:${var.region}:${local.account}:repository/${local.name}-api"]
  frontend_bucket_arns         = ["arn:aws:s3:::${local.name}-web"]
  cloudfront_distribution_arns = ["arn:aws:cloudfront::${local.account}:distribution/E2EXAMPLE0000"]
  deploy_lock = {
    bucket_arn = "arn:aws:s3:::${local.name}-tfstate"
  }

  tags = { Example = "github-oidc-basic" }
}
