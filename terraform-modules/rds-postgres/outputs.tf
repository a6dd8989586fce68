################################################################################
# Database instance
################################################################################

output "db_instance_identifier" {
  description = "Identifier of the database instance."
  value       = aws_db_instance.this.identifier
}

output "db_instance_arn" {
  description = "ARN of the database instance."
  value       = aws_db_instance.this.arn
}

output "address" {
  description = "Host name of the database (`PGHOST`)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database (`PGPORT`)."
  value       = aws_db_instance.this.port
}

output "endpoint" {
  description = "Endpoint of the database as `host:port`."
  value       = aws_db_instance.this.endpoint
}

output "database_name" {
  description = "Name of the database created in the instance (`PGDATABASE`)."
  value       = aws_db_instance.this.db_name
}

output "master_username" {
  description = "User name of the master user (`PGUSER`)."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret in which RDS keeps the master credentials; its `password` key is the password (`PGPASSWORD`)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

################################################################################
# Network and parameters
################################################################################

output "security_group_id" {
  description = "ID of the database's security group."
  value       = aws_security_group.this.id
}

output "subnet_group_name" {
  description = "Name of the database subnet group."
  value       = aws_db_subnet_group.this.name
}

output "parameter_group_name" {
  description = "Name of the parameter group."
  value       = aws_db_parameter_group.this.name
}
