################################################################################
# Deploy settings (inputs of the blue-green-deploy action)
################################################################################

output "cluster_name" {
  description = "ECS cluster of the backend services."
  value       = module.api.cluster_name
}

output "service_names" {
  description = "Blue and green backend services."
  value       = module.api.service_names
}

output "container_name" {
  description = "Container of the backend task definition that receives the image."
  value       = module.api.container_name
}

output "task_definition_arn" {
  description = "First task definition revision, the template of the deployed ones."
  value       = module.api.task_definition_arn
}

output "production_listener_arn" {
  description = "Listener whose weights the deploy action shifts."
  value       = module.alb.production_listener_arn
}

output "test_listener_arn" {
  description = "Listener that reaches the colour being released."
  value       = module.alb.test_listener_arn
}

output "target_group_arns" {
  description = "Blue and green target groups."
  value       = module.alb.target_group_arns
}

################################################################################
# Frontend (inputs of the publish step)
################################################################################

output "site_bucket_name" {
  description = "Bucket the frontend files are published to."
  value       = module.site.bucket_name
}

output "distribution_id" {
  description = "CloudFront distribution to invalidate after publishing."
  value       = module.site.distribution_id
}

output "site_url" {
  description = "URL of the site; its /api/* paths reach the backend."
  value       = module.site.url
}

################################################################################
# Database
################################################################################

output "database_address" {
  description = "Host name of the database."
  value       = module.database.address
}

output "database_secret_arn" {
  description = "Secret holding the database master credentials (managed by RDS)."
  value       = module.database.master_user_secret_arn
}

################################################################################
# Secrets
################################################################################

output "jwt_secret_arn" {
  description = "Secret read by the backend as JWT_SECRET; its value was generated without passing through the state."
  value       = module.api.jwt_secret_arn
}
