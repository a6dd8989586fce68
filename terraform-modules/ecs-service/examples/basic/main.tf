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

module "network" {
  source = "../../../network"

  project          = var.project
  environment      = var.environment
  cidr_block       = "10.40.0.0/16"
  nat_gateway_mode = "single"
}

module "alb" {
  source = "../../../alb"

  project     = var.project
  environment = var.environment
  name        = "api"

  vpc_id      = module.network.vpc_id
  subnet_ids  = module.network.public_subnet_ids
  target_port = 3000
}

module "ecs_service" {
  source = "../.."

  project     = var.project
  environment = var.environment
  name        = "api"

  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  load_balancer_security_group_id = module.alb.security_group_id
  target_group_arns               = module.alb.target_group_arns

  image          = var.image
  container_port = 3000
  cpu            = 256
  memory         = 512
  desired_count  = 1

  environment_variables = {
    NODE_ENV  = "production"
    LOG_LEVEL = "info"
  }
  secret_recovery_window_in_days = var.secret_recovery_window_in_days

  tags = { Example = "ecs-service-basic" }
}
