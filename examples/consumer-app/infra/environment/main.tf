# One environment of the example application: network, load balancer with
# blue and green target groups, the ECS services, PostgreSQL, and the
# static site whose CloudFront distribution sends /api/* to the load
# balancer.

################################################################################
# Network and load balancer
################################################################################

module "network" {
  source = "../../../../terraform-modules/network"

  project          = var.project
  environment      = var.environment
  cidr_block       = var.vpc_cidr_block
  nat_gateway_mode = var.nat_gateway_mode
}

module "alb" {
  source = "../../../../terraform-modules/alb"

  project     = var.project
  environment = var.environment
  name        = "api"

  vpc_id          = module.network.vpc_id
  subnet_ids      = module.network.public_subnet_ids
  certificate_arn = var.certificate_arn
  target_port     = 3000

  # /healthz answers 200 only while the database is reachable, so a task
  # that cannot reach it takes no traffic and a release that cannot is
  # rolled back.
  health_check = {
    path    = "/healthz"
    matcher = "200"
  }
}

################################################################################
# Database
################################################################################

module "database" {
  source = "../../../../terraform-modules/rds-postgres"

  project     = var.project
  environment = var.environment
  name        = "db"

  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.ecs_service.security_group_id]

  instance_class      = var.database_instance_class
  multi_az            = var.database_multi_az
  deletion_protection = var.database_deletion_protection
  skip_final_snapshot = var.database_skip_final_snapshot
}

################################################################################
# Backend service
################################################################################

module "ecs_service" {
  source = "../../../../terraform-modules/ecs-service"

  project     = var.project
  environment = var.environment
  name        = "api"

  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  load_balancer_security_group_id = module.alb.security_group_id
  target_group_arns               = module.alb.target_group_arns

  image          = var.image
  container_port = 3000
  cpu            = var.cpu
  memory         = var.memory
  desired_count  = var.desired_count

  # PGPASSWORD comes from the `password` key of the RDS-managed secret,
  # read by ECS when a task starts; it is never in this state.
  database = {
    host                = module.database.address
    port                = module.database.port
    name                = module.database.database_name
    username            = module.database.master_username
    password_secret_arn = module.database.master_user_secret_arn
  }

  environment_variables = merge(
    {
      NODE_ENV    = "production"
      ENVIRONMENT = var.environment
      PGSSLMODE   = var.database_ssl_mode
    },
    var.database_ca_bundle_path == null ? {} : {
      NODE_EXTRA_CA_CERTS = var.database_ca_bundle_path
    },
  )

  # The image's own check: exits 0 while the process answers /healthz,
  # also during a database outage, so ECS replaces only a dead process.
  container_health_check = {
    command = ["CMD", "node", "src/healthcheck.js"]
  }

  ecr_repository_arns            = var.ecr_repository_arn == null ? [] : [var.ecr_repository_arn]
  secret_recovery_window_in_days = var.secret_recovery_window_in_days
  jwt_secret_version_id          = aws_secretsmanager_secret_version.jwt.version_id
}

# The module creates the JWT secret without a value. Secrets Manager
# generates the value during the run (an ephemeral resource, never stored)
# and the write-only secret_string_wo writes it, so neither the plan nor the
# state holds it. Increase `jwt_secret_version` to write a new value; tasks
# read it when they start.
ephemeral "aws_secretsmanager_random_password" "jwt" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id                = module.ecs_service.jwt_secret_arn
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.jwt.random_password
  secret_string_wo_version = var.jwt_secret_version
}

################################################################################
# Frontend
################################################################################

module "static_site" {
  source = "../../../../terraform-modules/static-site"

  project     = var.project
  environment = var.environment
  name        = "web"

  # The notes page has no client-side routes, so no CloudFront Function
  # rewrites paths to index.html.
  single_page_app         = false
  force_destroy           = var.force_destroy
  deny_insecure_transport = var.site_bucket_require_tls

  # Same-origin API: the page calls /api/..., which CloudFront sends to the
  # load balancer, so the browser needs no CORS.
  api_origin = {
    domain_name     = module.alb.dns_name
    protocol_policy = var.certificate_arn == null ? "http-only" : "https-only"
  }
}
