################################################################################
# Deploy targets (read by the pipeline's deploy and publish steps)
################################################################################

output "cluster_name" {
  description = "ECS cluster of the services."
  value       = module.ecs_service.cluster_name
}

output "service_name" {
  description = "Base name of the blue/green service pair (the pipeline's `service` input); the services are `<service_name>-blue` and `<service_name>-green`."
  value       = trimsuffix(module.ecs_service.service_names["blue"], "-blue")
}

output "service_names" {
  description = "ECS service names by colour: `{ blue = ..., green = ... }`."
  value       = module.ecs_service.service_names
}

output "task_definition_family" {
  description = "Task definition family the deploy action registers new revisions in."
  value       = module.ecs_service.task_definition_family
}

output "container_name" {
  description = "Name of the application container in the task definition."
  value       = module.ecs_service.container_name
}

output "listener_arn" {
  description = "Production listener whose weights the deploy action moves between blue and green."
  value       = module.alb.production_listener_arn
}

output "target_group_arns" {
  description = "Target group ARNs by colour."
  value       = module.alb.target_group_arns
}

output "frontend_bucket" {
  description = "Bucket the frontend files are published to."
  value       = module.static_site.bucket_name
}

output "cloudfront_distribution_id" {
  description = "CloudFront distribution to invalidate after publishing (and to list in the bootstrap root's `cloudfront_distribution_ids`)."
  value       = module.static_site.distribution_id
}

################################################################################
# URLs
################################################################################

output "release_url" {
  description = "HTTPS URL of the site; /api/* on it reaches the backend."
  value       = module.static_site.url
}

output "load_balancer_url" {
  description = "Base URL of the load balancer (health checks reach /healthz here)."
  value       = module.alb.url
}

output "health_url" {
  description = "URL of the backend's health endpoint through the load balancer."
  value       = "${module.alb.url}/healthz"
}

################################################################################
# Database
################################################################################

output "database_endpoint" {
  description = "Endpoint of the database as `host:port`."
  value       = module.database.endpoint
}
