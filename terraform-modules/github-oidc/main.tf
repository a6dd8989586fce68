data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name      = "${var.project}-${var.environment}"
  tags      = merge(var.tags, { Project = var.project, Environment = var.environment })
  role_name = coalesce(var.role_name, "${local.name}-deploy")

  issuer            = "token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  # Every subject a trusted workflow's token may carry. GitHub writes the
  # repository either as `owner/repo` (classic form) or, for repositories
  # using immutable subject claims, as `owner@OWNER_ID/repo@REPO_ID`; the
  # trust lists both, so a rename or a recycled name cannot match.
  subject_contexts = {
    for repository in var.repositories : repository.name => concat(
      [for branch in repository.branches : "ref:refs/heads/${branch}"],
      [for environment in repository.environments : "environment:${environment}"],
      repository.pull_requests ? ["pull_request"] : [],
    )
  }
  subject_prefixes = {
    for repository in var.repositories : repository.name => [
      "repo:${repository.name}",
      "repo:${split("/", repository.name)[0]}@${repository.owner_id}/${split("/", repository.name)[1]}@${repository.repository_id}",
    ]
  }
  subjects = sort(distinct(flatten([
    for repository in var.repositories : [
      for pair in setproduct(local.subject_prefixes[repository.name], local.subject_contexts[repository.name]) : "${pair[0]}:${pair[1]}"
    ]
  ])))

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  arn_prefix = "arn:${local.partition}"
}

################################################################################
# OIDC provider
################################################################################

# AWS validates GitHub's certificate through its own trust store, so the
# thumbprint is not checked; the provider still requires one value.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url             = "https://${local.issuer}"
  client_id_list  = [var.audience]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]

  tags = merge(local.tags, { Name = "${local.name}-github-oidc" })
}

################################################################################
# Role
################################################################################

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "GitHubActions"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = [var.audience]
    }

    # StringLike because branch patterns may contain `*`; repository names
    # and environments are validated to contain no wildcard.
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = local.subjects
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = local.role_name
  description          = "Assumed by GitHub Actions workflows of ${join(", ", var.repositories[*].name)} to deploy ${local.name}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration_seconds
  permissions_boundary = var.permissions_boundary_arn

  tags = merge(local.tags, { Name = local.role_name })

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || var.oidc_provider_arn != null
      error_message = "var.oidc_provider_arn is required when var.create_oidc_provider is false: give the ARN of the account's existing token.actions.githubusercontent.com provider."
    }
  }
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.policy_arns

  role       = aws_iam_role.deploy.name
  policy_arn = each.value
}
