################################################################################
# Naming and tags
################################################################################

variable "project" {
  description = "Project name: the first part of every resource name (`<project>-<environment>-<component>`). Lower-case letters, digits and hyphens, 2 to 20 characters."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.project))
    error_message = "var.project must be 2 to 20 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen; got \"${var.project}\"."
  }
}

variable "environment" {
  description = "Environment name (for example `production`): the second part of every resource name and the value of the `Environment` tag. Lower-case letters, digits and hyphens, 2 to 16 characters."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "var.environment must be 2 to 16 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen; got \"${var.environment}\"."
  }
}

variable "name" {
  description = "Component name of the service (for example `api`): the third part of every resource name and the name of its container."
  type        = string
  default     = "api"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name))
    error_message = "var.name must be 2 to 20 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen; got \"${var.name}\"."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource. The module always sets `Project` and `Environment` itself, so those two keys cannot be overridden here."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Cluster
################################################################################

variable "cluster_arn" {
  description = "ARN of an existing ECS cluster to run the services in. Null creates a cluster named `<project>-<environment>-<name>`."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_arn == null || can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "var.cluster_arn must be an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME) or null; got \"${coalesce(var.cluster_arn, "null")}\"."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights on the created cluster: `enabled`, `enhanced` or `disabled`. Ignored with `cluster_arn`."
  type        = string
  default     = "enabled"
  nullable    = false

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "var.container_insights must be \"enabled\", \"enhanced\" or \"disabled\"; got \"${var.container_insights}\"."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "ID of the VPC the services run in."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "var.vpc_id must be a VPC ID such as \"vpc-0123456789abcdef0\"; got \"${var.vpc_id}\"."
  }
}

variable "subnet_ids" {
  description = "IDs of the private subnets the tasks run in (no public IP is assigned), in at least two availability zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "var.subnet_ids must list at least two private subnets in different availability zones."
  }
}

variable "load_balancer_security_group_id" {
  description = "ID of the load balancer's security group: the only source allowed to reach the container port."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.load_balancer_security_group_id))
    error_message = "var.load_balancer_security_group_id must be a security group ID such as \"sg-0123456789abcdef0\"; got \"${var.load_balancer_security_group_id}\"."
  }
}

variable "target_group_arns" {
  description = "ARNs of the blue and green target groups (the `target_group_arns` output of the alb module)."
  type = object({
    blue  = string
    green = string
  })
  nullable = false
}

################################################################################
# Task definition
################################################################################

variable "image" {
  description = "Container image of the first task definition revision. The deploy action registers later revisions with the released image, so changing this only affects new environments."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.image)) > 0 && !strcontains(var.image, " ")
    error_message = "var.image must be an image reference such as \"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-production-api:1.0.0\"; got \"${var.image}\"."
  }
}

variable "container_port" {
  description = "Port the container listens on; the target groups send traffic there and the container gets it as `PORT`."
  type        = number
  default     = 3000
  nullable    = false

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535
    error_message = "var.container_port must be a port from 1 to 65535; got ${var.container_port}."
  }
}

variable "cpu" {
  description = "CPU units of the task (1024 is one vCPU). Fargate accepts 256, 512, 1024, 2048, 4096, 8192 and 16384, each with its own memory range."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "var.cpu must be one of the Fargate CPU sizes 256, 512, 1024, 2048, 4096, 8192 or 16384; got ${var.cpu}."
  }
}

variable "memory" {
  description = "Memory of the task in MiB; it must fit the Fargate range of `cpu` (for example 1024 to 4096 for 512 CPU units)."
  type        = number
  default     = 1024
  nullable    = false
}

variable "cpu_architecture" {
  description = "CPU architecture of the task: `X86_64` or `ARM64`. It must match the image."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "var.cpu_architecture must be \"X86_64\" or \"ARM64\"; got \"${var.cpu_architecture}\"."
  }
}

variable "readonly_root_filesystem" {
  description = "Determines whether the container's root file system is read-only. A writable `/tmp` volume is mounted either way."
  type        = bool
  default     = true
  nullable    = false
}

variable "environment_variables" {
  description = "Plain environment variables of the container. `PORT`, `JWT_SECRET` and the `PG*` variables are set by the module and cannot be given here. Never put a secret here: use `secrets`."
  type        = map(string)
  default     = { NODE_ENV = "production" }
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.environment_variables), ["PORT", "JWT_SECRET", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"])) == 0
    error_message = "var.environment_variables must not set ${join(", ", setintersection(keys(var.environment_variables), ["PORT", "JWT_SECRET", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"]))}: the module sets PORT from var.container_port, JWT_SECRET from the JWT secret and the PG variables from var.database."
  }
}

variable "secrets" {
  description = "More secrets for the container, as environment variable name => Secrets Manager secret ARN (optionally with `:json-key:version-stage:version-id`) or SSM parameter ARN. The execution role may read exactly these."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for value in values(var.secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:|ssm:[a-z0-9-]+:[0-9]{12}:parameter/)", value))])
    error_message = "var.secrets values must be Secrets Manager secret ARNs or SSM parameter ARNs, never the secret values themselves."
  }

  validation {
    condition     = length(setintersection(keys(var.secrets), ["PORT", "JWT_SECRET", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"])) == 0
    error_message = "var.secrets must not set PORT, JWT_SECRET or a PG variable: the module sets them."
  }
}

variable "kms_key_arns" {
  description = "ARNs of customer managed KMS keys that encrypt the secrets in `secrets` or the database secret; the execution role may decrypt with them. Secrets encrypted with the AWS managed key need none."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "container_health_check" {
  description = "Health check run inside the container by ECS, or null to rely on the load balancer's health check alone. `command` is in the task definition form, for example `[\"CMD-SHELL\", \"node healthcheck.js\"]`."
  type = object({
    command              = list(string)
    interval_seconds     = optional(number, 15)
    timeout_seconds      = optional(number, 5)
    retries              = optional(number, 3)
    start_period_seconds = optional(number, 10)
  })
  default = null

  validation {
    condition     = var.container_health_check == null || try(contains(["CMD", "CMD-SHELL"], var.container_health_check.command[0]), false)
    error_message = "var.container_health_check.command must start with \"CMD\" or \"CMD-SHELL\"."
  }
}

################################################################################
# Secrets and database
################################################################################

variable "create_jwt_secret" {
  description = "Determines whether the module creates the `JWT_SECRET` secret, without a value: the caller writes the value (see the README). Set false to pass an existing secret in `jwt_secret_arn`, or to run without `JWT_SECRET`."
  type        = bool
  default     = true
  nullable    = false
}

variable "jwt_secret_arn" {
  description = "ARN of an existing Secrets Manager secret passed as `JWT_SECRET`, with `create_jwt_secret = false`. Pass `aws_secretsmanager_secret_version.<name>.arn` when the same root writes the value, so the services start after it. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^:]+$", var.jwt_secret_arn))
    error_message = "var.jwt_secret_arn must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME), without a JSON key suffix, or null."
  }
}

variable "jwt_secret_version_id" {
  description = "Version ID of the value the caller wrote to the created secret (`aws_secretsmanager_secret_version.<name>.version_id`). The services are created only after it exists, so their first tasks find the value. Null when the value is written outside this apply, before the tasks start."
  type        = string
  default     = null
}

variable "secret_recovery_window_in_days" {
  description = "Days Secrets Manager keeps the JWT secret recoverable after deletion: 0 (delete at once) or 7 to 30."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "var.secret_recovery_window_in_days must be 0 or from 7 to 30; got ${var.secret_recovery_window_in_days}."
  }
}

variable "secrets_kms_key_arn" {
  description = "ARN of a customer managed KMS key that encrypts the JWT secret. Null uses the AWS managed key of Secrets Manager."
  type        = string
  default     = null
}

variable "database" {
  description = "PostgreSQL connection passed to the container as `PGHOST`, `PGPORT`, `PGDATABASE` and `PGUSER` (plain values) and `PGPASSWORD` (read by ECS from the `password` key of `password_secret_arn`, the RDS-managed master secret). Null for none."
  type = object({
    host                = string
    port                = optional(number, 5432)
    name                = string
    username            = string
    password_secret_arn = string
  })
  default = null

  validation {
    condition     = var.database == null || try(can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^:]+$", var.database.password_secret_arn)), false)
    error_message = "var.database.password_secret_arn must be the ARN of a Secrets Manager secret (for example the master_user_secret_arn output of the rds-postgres module), without a JSON key suffix."
  }
}

################################################################################
# Logs
################################################################################

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the container logs. One of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "var.log_retention_in_days must be one of the retention periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653); got ${var.log_retention_in_days}. A value of 0 (keep forever) is not accepted: choose a period."
  }
}

################################################################################
# Services
################################################################################

variable "desired_count" {
  description = "Number of tasks the blue service starts with (green starts with 0). After creation the deploy action owns the desired counts, so changing this has no effect on existing services."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "var.desired_count must be a whole number of at least 0; got ${var.desired_count}."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing load balancer health checks of a newly started task."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "var.health_check_grace_period_seconds must be 0 or more; got ${var.health_check_grace_period_seconds}."
  }
}

variable "enable_execute_command" {
  description = "Determines whether `aws ecs execute-command` may open a shell in the tasks; it adds the Systems Manager channel permissions to the task role."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# IAM
################################################################################

variable "ecr_repository_arns" {
  description = "ARNs of the ECR repositories the execution role may pull images from. Empty for images outside ECR."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", arn))])
    error_message = "var.ecr_repository_arns must contain only ECR repository ARNs (arn:aws:ecr:REGION:ACCOUNT:repository/NAME)."
  }
}

variable "task_role_policy_statements" {
  description = "IAM policy statements (Allow) of the task role: what the application itself may call. Empty gives the application no AWS permissions."
  type = list(object({
    sid       = optional(string)
    actions   = list(string)
    resources = list(string)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for statement in var.task_role_policy_statements : !(contains(statement.actions, "*") && contains(statement.resources, "*"))])
    error_message = "var.task_role_policy_statements must not allow every action (\"*\") on every resource (\"*\"): list the actions and resources the application needs."
  }
}
