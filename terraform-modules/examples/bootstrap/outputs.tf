output "backend_config" {
  description = "S3 backend settings for the environment root; add `key`."
  value       = module.state_backend.backend_config
}

output "ecr_repository_url" {
  description = "Image repository URL, without tag or digest."
  value       = module.ecr_repository.repository_url
}

output "deploy_role_arn" {
  description = "ARN of the deploy role (the `role-to-assume` of the AWS credentials step)."
  value       = module.github_oidc.role_arn
}
