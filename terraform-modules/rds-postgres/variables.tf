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
  description = "Component name of the database (for example `db`): the third part of its resource names."
  type        = string
  default     = "db"
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
# Network
################################################################################

variable "vpc_id" {
  description = "ID of the VPC the database runs in."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "var.vpc_id must be a VPC ID such as \"vpc-0123456789abcdef0\"; got \"${var.vpc_id}\"."
  }
}

variable "subnet_ids" {
  description = "IDs of the private subnets of the database subnet group, in at least two availability zones (Multi-AZ needs two)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "var.subnet_ids must list at least two private subnets in different availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "IDs of the security groups allowed to connect to the database port (for example the `security_group_id` output of the ecs-service module). Nothing else can reach it."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "var.allowed_security_group_ids must contain only security group IDs such as \"sg-0123456789abcdef0\"."
  }
}

variable "port" {
  description = "Port PostgreSQL listens on."
  type        = number
  default     = 5432
  nullable    = false

  validation {
    condition     = var.port >= 1150 && var.port <= 65535
    error_message = "var.port must be from 1150 to 65535 (the range RDS accepts); got ${var.port}."
  }
}

################################################################################
# Database instance
################################################################################

variable "engine_version" {
  description = "PostgreSQL version, major (`16`) or major.minor (`16.4`). The parameter group family follows the major version."
  type        = string
  default     = "16"
  nullable    = false

  validation {
    condition     = can(regex("^(1[3-9])(\\.[0-9]+)?$", var.engine_version))
    error_message = "var.engine_version must be a PostgreSQL version from 13 on, such as \"16\" or \"16.4\"; got \"${var.engine_version}\"."
  }
}

variable "instance_class" {
  description = "Instance class of the database, for example `db.t4g.micro` or `db.m7g.large`."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "var.instance_class must be an RDS instance class such as \"db.t4g.micro\"; got \"${var.instance_class}\"."
  }
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.allocated_storage_gb >= 20 && var.allocated_storage_gb <= 65536
    error_message = "var.allocated_storage_gb must be from 20 to 65536 GiB; got ${var.allocated_storage_gb}."
  }
}

variable "max_allocated_storage_gb" {
  description = "Upper limit in GiB for storage autoscaling; 0 turns autoscaling off."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.max_allocated_storage_gb == 0 || (var.max_allocated_storage_gb >= 21 && var.max_allocated_storage_gb <= 65536)
    error_message = "var.max_allocated_storage_gb must be 0 (no autoscaling) or from 21 to 65536 GiB; got ${var.max_allocated_storage_gb}."
  }
}

variable "multi_az" {
  description = "Determines whether RDS keeps a synchronous standby in a second availability zone and fails over to it."
  type        = bool
  default     = true
  nullable    = false
}

variable "database_name" {
  description = "Name of the database created in the instance (`PGDATABASE`)."
  type        = string
  default     = "app"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.database_name)) && !contains(["postgres", "template0", "template1", "rdsadmin"], var.database_name)
    error_message = "var.database_name must start with a letter, contain only letters, digits and underscores, have at most 63 characters and not be a reserved name (postgres, template0, template1, rdsadmin); got \"${var.database_name}\"."
  }
}

variable "master_username" {
  description = "User name of the master user (`PGUSER`). Its password is generated and kept by RDS in Secrets Manager."
  type        = string
  default     = "app"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin", "root"], lower(var.master_username))
    error_message = "var.master_username must start with a letter, contain only letters, digits and underscores, have at most 63 characters and not be a reserved name (postgres, rdsadmin, admin, root); got \"${var.master_username}\"."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for storage encryption. Null uses the AWS managed `aws/rds` key; storage is encrypted either way."
  type        = string
  default     = null
}

variable "master_user_secret_kms_key_arn" {
  description = "ARN of a customer managed KMS key for the master password secret. Null uses the AWS managed key of Secrets Manager; the ecs-service module then needs no KMS permission."
  type        = string
  default     = null
}

variable "parameters" {
  description = "Parameters of the parameter group beyond the module's defaults (`rds.force_ssl = 1`, `log_min_duration_statement = 1000`); a parameter given here replaces the default of the same name."
  type = list(object({
    name         = string
    value        = string
    apply_method = optional(string, "pending-reboot")
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for parameter in var.parameters : contains(["immediate", "pending-reboot"], parameter.apply_method)])
    error_message = "var.parameters apply_method must be \"immediate\" or \"pending-reboot\"."
  }
}

################################################################################
# Backups and protection
################################################################################

variable "backup_retention_period" {
  description = "Days RDS keeps automated backups, from 1 to 35. Backups cannot be turned off with this module."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "var.backup_retention_period must be a whole number of days from 1 to 35; got ${var.backup_retention_period}. A value of 0 would turn automated backups (and point-in-time recovery) off, which this module does not allow."
  }
}

variable "backup_window" {
  description = "Daily UTC window for automated backups (`hh24:mi-hh24:mi`, at least 30 minutes, not overlapping `maintenance_window`)."
  type        = string
  default     = "03:00-04:00"
  nullable    = false

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "var.backup_window must have the form hh24:mi-hh24:mi, such as \"03:00-04:00\"; got \"${var.backup_window}\"."
  }
}

variable "maintenance_window" {
  description = "Weekly UTC window for maintenance (`ddd:hh24:mi-ddd:hh24:mi`)."
  type        = string
  default     = "sun:05:00-sun:06:00"
  nullable    = false

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "var.maintenance_window must have the form ddd:hh24:mi-ddd:hh24:mi, such as \"sun:05:00-sun:06:00\"; got \"${var.maintenance_window}\"."
  }
}

variable "deletion_protection" {
  description = "Determines whether RDS refuses to delete the database. Turn it off (and apply) before destroying the environment."
  type        = bool
  default     = true
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Determines whether deleting the database skips the final snapshot named `<project>-<environment>-<name>-final`. Keep false for real data."
  type        = bool
  default     = false
  nullable    = false
}

variable "apply_immediately" {
  description = "Determines whether changes apply at once instead of in the next maintenance window. Some changes restart the database."
  type        = bool
  default     = false
  nullable    = false
}
