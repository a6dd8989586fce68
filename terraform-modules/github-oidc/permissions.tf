################################################################################
# Build: push images, read scan findings
################################################################################

data "aws_iam_policy_document" "build" {
  count = length(var.ecr_repository_arns) > 0 ? 1 : 0

  statement {
    sid = "RegistryLogin"
    # GetAuthorizationToken has no resource-level permissions.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImageScanFindings",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.ecr_repository_arns
  }
}

resource "aws_iam_role_policy" "build" {
  count = length(data.aws_iam_policy_document.build)

  name   = "${local.name}-build-artifacts"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.build[0].json
}

################################################################################
# Deploy: blue/green on ECS behind the load balancer, rollback
################################################################################

# ECS, load balancer and log resources are found by the naming convention:
# everything of this environment is named `<project>-<environment>-...`.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid = "TaskDefinitions"
    # These task definition calls have no resource-level permissions.
    actions = [
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "ecs:ListTaskDefinitions",
      "ecs:RegisterTaskDefinition",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "TagNewTaskDefinitions"
    actions   = ["ecs:TagResource"]
    resources = ["${local.arn_prefix}:ecs:${local.region}:${local.account_id}:task-definition/${local.name}-*:*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }

  statement {
    sid       = "Services"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = ["${local.arn_prefix}:ecs:${local.region}:${local.account_id}:service/${local.name}-*/${local.name}-*"]
  }

  statement {
    sid       = "RunOneOffTasks"
    actions   = ["ecs:RunTask"]
    resources = ["${local.arn_prefix}:ecs:${local.region}:${local.account_id}:task-definition/${local.name}-*:*"]

    condition {
      test     = "ArnLike"
      variable = "ecs:cluster"
      values   = ["${local.arn_prefix}:ecs:${local.region}:${local.account_id}:cluster/${local.name}-*"]
    }
  }

  statement {
    sid       = "Tasks"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = ["${local.arn_prefix}:ecs:${local.region}:${local.account_id}:task/${local.name}-*/*"]
  }

  statement {
    sid       = "ListTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]

    condition {
      test     = "ArnLike"
      variable = "ecs:cluster"
      values   = ["${local.arn_prefix}:ecs:${local.region}:${local.account_id}:cluster/${local.name}-*"]
    }
  }

  statement {
    sid     = "PassTaskRoles"
    actions = ["iam:PassRole"]
    resources = [
      "${local.arn_prefix}:iam::${local.account_id}:role/${local.name}-*-execution",
      "${local.arn_prefix}:iam::${local.account_id}:role/${local.name}-*-task",
    ]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid = "ReadLoadBalancers"
    # Elastic Load Balancing Describe calls have no resource-level permissions.
    actions = [
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ]
    resources = ["*"]
  }

  statement {
    sid     = "ShiftTraffic"
    actions = ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"]
    resources = [
      "${local.arn_prefix}:elasticloadbalancing:${local.region}:${local.account_id}:listener/app/${local.name}-*/*",
      "${local.arn_prefix}:elasticloadbalancing:${local.region}:${local.account_id}:listener-rule/app/${local.name}-*/*",
    ]
  }

  statement {
    sid = "ReadMetrics"
    # CloudWatch metric reads have no resource-level permissions.
    actions   = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"]
    resources = ["*"]
  }

  statement {
    sid     = "ReadTaskLogs"
    actions = ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"]
    resources = [
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/ecs/${local.name}-*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/ecs/${local.name}-*:log-stream:*",
    ]
  }

  dynamic "statement" {
    for_each = var.deploy_lock == null ? [] : [var.deploy_lock]

    content {
      sid       = "DeployLockObject"
      actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
      resources = ["${statement.value.bucket_arn}/locks/${var.project}/${var.environment}/*"]
    }
  }

  dynamic "statement" {
    for_each = try(var.deploy_lock.table_arn, null) == null ? [] : [var.deploy_lock]

    content {
      sid       = "DeployLockItem"
      actions   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
      resources = [statement.value.table_arn]
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "${local.name}-blue-green-deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

################################################################################
# Publish: upload the frontend, invalidate the CDN
################################################################################

data "aws_iam_policy_document" "publish" {
  count = length(var.frontend_bucket_arns) > 0 ? 1 : 0

  statement {
    sid       = "ListFrontendBuckets"
    actions   = ["s3:ListBucket"]
    resources = var.frontend_bucket_arns
  }

  statement {
    sid       = "WriteFrontendFiles"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = [for arn in var.frontend_bucket_arns : "${arn}/*"]
  }

  dynamic "statement" {
    for_each = length(var.cloudfront_distribution_arns) > 0 ? [1] : []

    content {
      sid       = "InvalidateDistributions"
      actions   = ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"]
      resources = var.cloudfront_distribution_arns
    }
  }
}

resource "aws_iam_role_policy" "publish" {
  count = length(data.aws_iam_policy_document.publish)

  name   = "${local.name}-publish"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.publish[0].json
}
