output "address" {
  description = "Host name of the database."
  value       = module.rds_postgres.address
}

output "port" {
  description = "Port of the database."
  value       = module.rds_postgres.port
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed secret holding the master password."
  value       = module.rds_postgres.master_user_secret_arn
}
