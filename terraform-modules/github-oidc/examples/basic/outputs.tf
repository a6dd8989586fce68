output "role_arn" {
  description = "ARN of the deploy role."
  value       = module.github_oidc.role_arn
}

output "trusted_subjects" {
  description = "The `sub` claims the role accepts."
  value       = module.github_oidc.trusted_subjects
}
