output "repository_url" {
  description = "URL of the repository."
  value       = module.ecr_repository.repository_url
}

output "repository_arn" {
  description = "ARN of the repository."
  value       = module.ecr_repository.repository_arn
}
