locals {
  name = "${var.project}-${var.environment}-${var.name}"
  tags = merge(var.tags, { Project = var.project, Environment = var.environment })

  engine_major = split(".", var.engine_version)[0]
  family       = "postgres${local.engine_major}"

  default_parameters = {
    # Clients must use TLS.
    "rds.force_ssl" = { value = "1", apply_method = "pending-reboot" }
    # Log statements slower than one second.
    "log_min_duration_statement" = { value = "1000", apply_method = "immediate" }
  }
  parameters = merge(
    local.default_parameters,
    { for parameter in var.parameters : parameter.name => { value = parameter.value, apply_method = parameter.apply_method } },
  )
}

################################################################################
# Network
################################################################################

resource "aws_db_subnet_group" "this" {
  name        = local.name
  description = "Private subnets of ${local.name}"
  subnet_ids  = var.subnet_ids

  tags = merge(local.tags, { Name = local.name })
}

resource "aws_security_group" "this" {
  name        = local.name
  description = "Database ${local.name}: PostgreSQL from the allowed security groups only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = local.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "allowed" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from an allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]

  tags = merge(local.tags, { Name = "${local.name}-from-${count.index}" })
}

################################################################################
# Parameter group
################################################################################

# The family is part of the name, so a major version upgrade creates the new
# group before the old one is destroyed, without a name collision.
resource "aws_db_parameter_group" "this" {
  name        = "${local.name}-${local.family}"
  family      = local.family
  description = "PostgreSQL ${local.engine_major} parameters of ${local.name}"

  dynamic "parameter" {
    for_each = local.parameters

    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-${local.family}" })

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Database instance
################################################################################

resource "aws_db_instance" "this" {
  identifier     = local.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  port           = var.port

  db_name                       = var.database_name
  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_user_secret_kms_key_arn

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${local.name}-final"

  auto_minor_version_upgrade      = true
  allow_major_version_upgrade     = false
  apply_immediately               = var.apply_immediately
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  tags = merge(local.tags, { Name = local.name })
}
