output "state_bucket_name" {
  description = "Name of the Terraform state bucket (the `bucket` of the environment root's backend)."
  value       = module.state_backend.bucket_name
}

output "backend_config" {
  description = "S3 backend settings for the environment root; add `key = \"<project>/<environment>/terraform.tfstate\"`."
  value       = module.state_backend.backend_config
}

output "ecr_repository_url" {
  description = "Image repository URL, without tag or digest."
  value       = module.ecr_repository.repository_url
}

output "ecr_repository_arn" {
  description = "ARN of the image repository (the environment root's `ecr_repository_arn`)."
  value       = module.ecr_repository.repository_arn
}

output "deploy_role_arns" {
  description = "Deploy role ARN by environment: the `role-to-assume` of each GitHub environment (store it as the environment's AWS_ROLE_ARN variable)."
  value       = local.deploy_role_arns
}
