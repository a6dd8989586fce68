# One-time resources shared by every environment of the project: the
# Terraform state bucket, the image repository (staging and production run
# the same image digest) and one GitHub OIDC deploy role per environment.

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id

  # The kit's environment root names its site bucket
  # `<project>-<environment>-web`; the roles may publish only there.
  frontend_bucket_arns = {
    for environment in var.environments :
    environment => "arn:aws:s3:::${var.project}-${environment}-web"
  }
}

################################################################################
# State and images
################################################################################

module "state_backend" {
  source = "../../../../terraform-modules/state-backend"

  project     = var.project
  environment = "shared"

  state_key_patterns      = ["${var.project}/*"]
  force_destroy           = var.force_destroy
  deny_insecure_transport = var.state_bucket_require_tls
}

module "ecr_repository" {
  source = "../../../../terraform-modules/ecr-repository"

  project      = var.project
  environment  = "shared"
  name         = "api"
  force_delete = var.force_destroy
}

################################################################################
# Deploy roles
################################################################################

# The first environment's module creates the account's OIDC provider (when
# asked to); every other role trusts that provider.
module "github_oidc" {
  source   = "../../../../terraform-modules/github-oidc"
  for_each = toset(slice(var.environments, 0, 1))

  project     = var.project
  environment = each.key

  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.oidc_provider_arn

  repositories = [local.trusted_repository[each.key]]

  ecr_repository_arns          = [module.ecr_repository.repository_arn]
  frontend_bucket_arns         = [local.frontend_bucket_arns[each.key]]
  cloudfront_distribution_arns = local.distribution_arns[each.key]
  deploy_lock                  = { bucket_arn = module.state_backend.bucket_arn }
  policy_arns                  = local.policy_arns
}

module "github_oidc_more" {
  source   = "../../../../terraform-modules/github-oidc"
  for_each = toset(slice(var.environments, 1, length(var.environments)))

  project     = var.project
  environment = each.key

  create_oidc_provider = false
  oidc_provider_arn    = one(values(module.github_oidc)).oidc_provider_arn

  repositories = [local.trusted_repository[each.key]]

  ecr_repository_arns          = [module.ecr_repository.repository_arn]
  frontend_bucket_arns         = [local.frontend_bucket_arns[each.key]]
  cloudfront_distribution_arns = local.distribution_arns[each.key]
  deploy_lock                  = { bucket_arn = module.state_backend.bucket_arn }
  policy_arns                  = local.policy_arns
}

locals {
  # Each role is trusted from its own GitHub environment, so a staging job
  # cannot obtain production credentials. The first environment's role is
  # also trusted from the main branch, for the build job that pushes the
  # image before any environment's protection rules apply.
  trusted_repository = {
    for index, environment in var.environments : environment => {
      name          = var.repository.name
      owner_id      = var.repository.owner_id
      repository_id = var.repository.repository_id
      branches      = index == 0 ? ["main"] : []
      environments  = [environment]
    }
  }

  distribution_arns = {
    for environment in var.environments : environment => (
      contains(keys(var.cloudfront_distribution_ids), environment)
      ? ["arn:aws:cloudfront::${local.account_id}:distribution/${var.cloudfront_distribution_ids[environment]}"]
      : []
    )
  }

  # Terraform state access, plus what the infrastructure step may create.
  policy_arns = merge(
    var.infrastructure_policy_arns,
    { state = module.state_backend.access_policy_arn },
  )

  deploy_role_arns = merge(
    { for environment, role in module.github_oidc : environment => role.role_arn },
    { for environment, role in module.github_oidc_more : environment => role.role_arn },
  )
}
