################################################################################
# JWT secret
################################################################################

# The module creates the secret without a value, so no value ever passes
# through this module's plan or state. The caller writes the value: with a
# write-only `secret_string_wo` in a root on Terraform 1.11 or newer (see the
# README), or with `aws secretsmanager put-secret-value`.

resource "aws_secretsmanager_secret" "jwt" {
  count = var.create_jwt_secret ? 1 : 0

  name                    = "${local.name}-jwt-secret"
  description             = "JWT signing secret of ${local.name}, read by its tasks as JWT_SECRET"
  kms_key_id              = var.secrets_kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = merge(local.tags, { Name = "${local.name}-jwt-secret" })
}

locals {
  # Known at plan time even before the created secret has an ARN.
  jwt_secret_enabled = var.create_jwt_secret || var.jwt_secret_arn != null
  jwt_secret_arn     = var.create_jwt_secret ? aws_secretsmanager_secret.jwt[0].arn : var.jwt_secret_arn
}

# The services depend on this resource, so with `jwt_secret_version_id` they
# are created only after the caller has written the value, and their first
# tasks find it.
resource "terraform_data" "jwt_secret_value" {
  input = var.jwt_secret_version_id

  lifecycle {
    precondition {
      condition     = !(var.create_jwt_secret && var.jwt_secret_arn != null)
      error_message = "var.jwt_secret_arn is set while var.create_jwt_secret is true: set create_jwt_secret = false to use the existing secret, or remove jwt_secret_arn to let the module create one."
    }
  }
}
