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

# One environment of a web application: the backend on ECS Fargate behind
# the load balancer (blue and green services), its PostgreSQL database,
# and the frontend on S3 and CloudFront, which also routes /api/* to the
# load balancer.

module "network" {
  source = "../../network"

  project          = var.project
  environment      = var.environment
  cidr_block       = "10.60.0.0/16"
  nat_gateway_mode = "single"
}

module "alb" {
  source = "../../alb"

  project     = var.project
  environment = var.environment
  name        = "api"

  vpc_id          = module.network.vpc_id
  subnet_ids      = module.network.public_subnet_ids
  target_port     = 3000
  certificate_arn = var.certificate_arn

  test_listener = {
    port        = 8443
    cidr_blocks = [module.network.vpc_cidr_block]
  }
}

module "database" {
  source = "../../rds-postgres"

  project     = var.project
  environment = var.environment

  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.api.security_group_id]

  deletion_protection = var.deletion_protection
  skip_final_snapshot = var.teardown
}

module "api" {
  source = "../../ecs-service"

  project     = var.project
  environment = var.environment
  name        = "api"

  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  load_balancer_security_group_id = module.alb.security_group_id
  target_group_arns               = module.alb.target_group_arns

  image          = var.image
  container_port = 3000
  desired_count  = 2

  database = {
    host                = module.database.address
    port                = module.database.port
    name                = module.database.database_name
    username            = module.database.master_username
    password_secret_arn = module.database.master_user_secret_arn
  }

  secret_recovery_window_in_days = var.teardown ? 0 : 7
  jwt_secret_version_id          = aws_secretsmanager_secret_version.jwt.version_id
}

# The module creates the JWT secret without a value. Secrets Manager
# generates the value during the run (an ephemeral resource, never stored)
# and the write-only secret_string_wo writes it, so neither the plan nor the
# state holds it. Increase `secret_string_wo_version` to write a new value.
ephemeral "aws_secretsmanager_random_password" "jwt" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id                = module.api.jwt_secret_arn
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.jwt.random_password
  secret_string_wo_version = 1
}

module "site" {
  source = "../../static-site"

  project     = var.project
  environment = var.environment
  name        = "web"

  single_page_app = var.single_page_app
  force_destroy   = var.teardown

  api_origin = {
    domain_name     = module.alb.dns_name
    protocol_policy = var.certificate_arn == null ? "http-only" : "https-only"
  }
}
