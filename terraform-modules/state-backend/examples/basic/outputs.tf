output "bucket_name" {
  description = "Name of the state bucket."
  value       = module.state_backend.bucket_name
}

output "lock_table_name" {
  description = "Name of the DynamoDB lock table."
  value       = module.state_backend.lock_table_name
}

output "access_policy_arn" {
  description = "ARN of the state access policy."
  value       = module.state_backend.access_policy_arn
}

output "backend_config" {
  description = "Settings for the S3 backend of roots that keep their state in this bucket."
  value       = module.state_backend.backend_config
}
