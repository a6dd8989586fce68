output "role_arn" {
  description = "ARN of the deploy role, the `role-to-assume` of the AWS credentials step."
  value       = aws_iam_role.deploy.arn
}

output "role_name" {
  description = "Name of the deploy role."
  value       = aws_iam_role.deploy.name
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the role trusts."
  value       = local.oidc_provider_arn
}

output "trusted_subjects" {
  description = "Every `sub` claim value (or pattern) the role accepts, in both the classic and the immutable form."
  value       = local.subjects
}
