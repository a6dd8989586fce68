output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.ecs_service.cluster_name
}

output "service_names" {
  description = "Names of the blue and green services."
  value       = module.ecs_service.service_names
}

output "task_definition_arn" {
  description = "ARN of the first task definition revision."
  value       = module.ecs_service.task_definition_arn
}

output "jwt_secret_arn" {
  description = "ARN of the JWT secret, created without a value."
  value       = module.ecs_service.jwt_secret_arn
}

output "url" {
  description = "Base URL of the service through the load balancer."
  value       = module.alb.url
}
