################################################################################
# Cluster
################################################################################

output "cluster_arn" {
  description = "ARN of the cluster the services run in."
  value       = local.cluster_arn
}

output "cluster_name" {
  description = "Name of the cluster the services run in."
  value       = element(split("/", local.cluster_arn), 1)
}

################################################################################
# Services
################################################################################

output "service_names" {
  description = "Names of the services by colour: `{ blue = ..., green = ... }`."
  value       = { for colour, service in aws_ecs_service.this : colour => service.name }
}

output "service_arns" {
  description = "ARNs of the services by colour."
  value       = { for colour, service in aws_ecs_service.this : colour => service.id }
}

output "container_name" {
  description = "Name of the application container in the task definition, which the load balancer targets."
  value       = var.name
}

output "container_port" {
  description = "Port the application container listens on."
  value       = var.container_port
}

output "security_group_id" {
  description = "ID of the services' security group; allow it as the source of the database's ingress."
  value       = aws_security_group.this.id
}

################################################################################
# Task definition
################################################################################

output "task_definition_arn" {
  description = "ARN of the family's latest active revision: the one this module created until the deploy action registers more."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Family of the task definition."
  value       = aws_ecs_task_definition.this.family
}

################################################################################
# IAM
################################################################################

output "execution_role_arn" {
  description = "ARN of the task execution role."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the task role (the application's own permissions)."
  value       = aws_iam_role.task.arn
}

################################################################################
# Secrets and logs
################################################################################

output "jwt_secret_arn" {
  description = "ARN of the `JWT_SECRET` secret (the created one or `jwt_secret_arn`), or null without one. Write the value of a created secret to this ARN."
  value       = local.jwt_secret_arn
}

output "log_group_name" {
  description = "Name of the CloudWatch log group of the containers."
  value       = aws_cloudwatch_log_group.this.name
}
