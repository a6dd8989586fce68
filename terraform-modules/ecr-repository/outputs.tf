output "repository_name" {
  description = "Name of the repository."
  value       = aws_ecr_repository.this.name
}

output "repository_arn" {
  description = "ARN of the repository (for the execution role's pull permission and the deploy role's push permission)."
  value       = aws_ecr_repository.this.arn
}

output "repository_url" {
  description = "URL of the repository (`<registry>/<name>`), the image name without tag or digest."
  value       = aws_ecr_repository.this.repository_url
}

output "registry_id" {
  description = "ID of the registry (the AWS account ID) holding the repository."
  value       = aws_ecr_repository.this.registry_id
}
