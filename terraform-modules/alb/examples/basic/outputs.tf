output "url" {
  description = "Base URL of the production listener."
  value       = module.alb.url
}

output "production_listener_arn" {
  description = "ARN of the production listener."
  value       = module.alb.production_listener_arn
}

output "test_listener_arn" {
  description = "ARN of the test listener."
  value       = module.alb.test_listener_arn
}

output "target_group_arns" {
  description = "ARNs of the blue and green target groups."
  value       = module.alb.target_group_arns
}
