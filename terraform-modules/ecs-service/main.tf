data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name = "${var.project}-${var.environment}-${var.name}"
  tags = merge(var.tags, { Project = var.project, Environment = var.environment })

  colours     = toset(["blue", "green"])
  cluster_arn = var.cluster_arn != null ? var.cluster_arn : aws_ecs_cluster.this[0].arn

  # Plain values only: secrets reach the container through `secrets` below.
  container_environment = merge(
    var.environment_variables,
    { PORT = tostring(var.container_port) },
    var.database == null ? {} : {
      PGHOST     = var.database.host
      PGPORT     = tostring(var.database.port)
      PGDATABASE = var.database.name
      PGUSER     = var.database.username
    },
  )

  # ECS resolves each valueFrom when a task starts. `<arn>:password::` picks
  # the `password` key of the JSON secret that RDS manages.
  container_secrets = merge(
    var.secrets,
    local.jwt_secret_enabled ? { JWT_SECRET = local.jwt_secret_arn } : {},
    var.database == null ? {} : { PGPASSWORD = "${var.database.password_secret_arn}:password::" },
  )

  # Fargate memory sizes (MiB) allowed for each CPU size.
  fargate_memory = {
    "256"   = [512, 1024, 2048]
    "512"   = range(1024, 4097, 1024)
    "1024"  = range(2048, 8193, 1024)
    "2048"  = range(4096, 16385, 1024)
    "4096"  = range(8192, 30721, 1024)
    "8192"  = range(16384, 61441, 4096)
    "16384" = range(32768, 122881, 8192)
  }

  container_definition = merge(
    {
      name                   = var.name
      image                  = var.image
      essential              = true
      readonlyRootFilesystem = var.readonly_root_filesystem
      portMappings = [{
        containerPort = var.container_port
        hostPort      = var.container_port
        protocol      = "tcp"
      }]
      environment = [for key in sort(keys(local.container_environment)) : { name = key, value = local.container_environment[key] }]
      secrets     = [for key in sort(keys(local.container_secrets)) : { name = key, valueFrom = local.container_secrets[key] }]
      mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = var.name
        }
      }
    },
    var.container_health_check == null ? {} : {
      healthCheck = {
        command     = var.container_health_check.command
        interval    = var.container_health_check.interval_seconds
        timeout     = var.container_health_check.timeout_seconds
        retries     = var.container_health_check.retries
        startPeriod = var.container_health_check.start_period_seconds
      }
    },
  )
}

################################################################################
# Cluster
################################################################################

resource "aws_ecs_cluster" "this" {
  count = var.cluster_arn == null ? 1 : 0

  name = local.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = merge(local.tags, { Name = local.name })
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_in_days

  tags = merge(local.tags, { Name = "${local.name}-logs" })
}

################################################################################
# Task definition
################################################################################

# The first revision of the task family. The deploy action registers the
# following ones (from the live revision, with the new image) and may
# deregister old ones, this one included. So Terraform tracks the family's
# latest active revision and leaves its container definitions alone: a plan
# after a release stays empty. The services ignore `task_definition`.
resource "aws_ecs_task_definition" "this" {
  family                   = local.name
  track_latest             = true
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container_definition])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Fargate ephemeral storage, mounted at /tmp so the root file system can
  # stay read-only.
  volume {
    name = "tmp"
  }

  tags = merge(local.tags, { Name = local.name })

  lifecycle {
    ignore_changes = [container_definitions]

    precondition {
      condition     = contains(lookup(local.fargate_memory, tostring(var.cpu), []), var.memory)
      error_message = "var.memory = ${var.memory} MiB does not fit var.cpu = ${var.cpu} on Fargate. Allowed for ${var.cpu} CPU units: ${join(", ", [for size in lookup(local.fargate_memory, tostring(var.cpu), []) : tostring(size)])} MiB."
    }
  }
}

################################################################################
# Security group
################################################################################

resource "aws_security_group" "this" {
  name        = "${local.name}-service"
  description = "Service ${local.name}: container port from the load balancer only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.name}-service" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer" {
  security_group_id            = aws_security_group.this.id
  description                  = "Container port from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.load_balancer_security_group_id

  tags = merge(local.tags, { Name = "${local.name}-service-from-alb" })
}

# Tasks pull images, read secrets and call their dependencies, so egress
# stays open.
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.this.id
  description       = "All outbound traffic"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(local.tags, { Name = "${local.name}-service-egress" })
}

################################################################################
# Services
################################################################################

# Blue starts with `desired_count` tasks and all production traffic, green
# with none. After creation the deploy action owns the task definition and
# the desired count of both, so Terraform ignores them.
resource "aws_ecs_service" "this" {
  for_each = local.colours

  name             = "${local.name}-${each.key}"
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.this.arn
  desired_count    = each.key == "blue" ? var.desired_count : 0
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.health_check_grace_period_seconds
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arns[each.key]
    container_name   = var.name
    container_port   = var.container_port
  }

  tags = merge(local.tags, { Name = "${local.name}-${each.key}", Colour = each.key })

  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }

  # A task must find its secret value and its permissions when it starts.
  depends_on = [
    terraform_data.jwt_secret_value,
    aws_iam_role_policy.execution,
  ]
}
