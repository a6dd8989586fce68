################################################################################
# Execution role
################################################################################

# ECS uses the execution role to start a task: pull the image, create the
# log stream and read the secrets into the container's environment.

locals {
  # Secrets Manager policies name the secret itself, without the
  # `:json-key:version-stage:version-id` suffix of a valueFrom.
  secret_arns = distinct(concat(
    [for value in values(var.secrets) : join(":", slice(split(":", value), 0, 7)) if strcontains(value, ":secretsmanager:")],
    local.jwt_secret_enabled ? [local.jwt_secret_arn] : [],
    var.database == null ? [] : [var.database.password_secret_arn],
  ))
  parameter_arns = [for value in values(var.secrets) : value if strcontains(value, ":ssm:")]
  kms_key_arns   = compact(concat(var.kms_key_arns, [var.secrets_kms_key_arn]))
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS tasks of this account may use the roles.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  description        = "Starts the tasks of ${local.name}: image pull, logs, secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(local.tags, { Name = "${local.name}-execution" })
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:log-stream:*"]
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [1] : []

    content {
      sid = "EcrLogin"
      # GetAuthorizationToken has no resource-level permissions.
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [1] : []

    content {
      sid       = "PullImages"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      resources = var.ecr_repository_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.secret_arns) > 0 ? [1] : []

    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.parameter_arns) > 0 ? [1] : []

    content {
      sid       = "ReadParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = local.kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "${local.name}-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

################################################################################
# Task role
################################################################################

# The application's own AWS permissions: none unless
# `task_role_policy_statements` or `enable_execute_command` add some.

resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  description        = "Runs as the application of ${local.name}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(local.tags, { Name = "${local.name}-task" })
}

data "aws_iam_policy_document" "task" {
  count = length(var.task_role_policy_statements) > 0 || var.enable_execute_command ? 1 : 0

  dynamic "statement" {
    for_each = var.task_role_policy_statements

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = var.enable_execute_command ? [1] : []

    content {
      sid = "ExecuteCommand"
      # The Systems Manager session channels have no resource-level
      # permissions.
      actions = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  count = length(data.aws_iam_policy_document.task)

  name   = "${local.name}-task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task[0].json
}
