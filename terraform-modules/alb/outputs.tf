################################################################################
# Load balancer
################################################################################

output "lb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "lb_arn_suffix" {
  description = "ARN suffix of the load balancer, the `LoadBalancer` dimension of its CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "lb_name" {
  description = "Name of the load balancer."
  value       = aws_lb.this.name
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 hosted zone ID of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

################################################################################
# Security group
################################################################################

output "security_group_id" {
  description = "ID of the load balancer's security group; allow it as the source of the service's ingress."
  value       = aws_security_group.this.id
}

################################################################################
# Target groups
################################################################################

# The target group outputs wait for the listeners: ECS rejects a service
# whose target group is not attached to a load balancer yet.

output "target_group_arns" {
  description = "ARNs of the target groups by colour: `{ blue = ..., green = ... }`."
  value       = { for colour, group in aws_lb_target_group.this : colour => group.arn }
  depends_on  = [aws_lb_listener.production, aws_lb_listener.test]
}

output "target_group_names" {
  description = "Names of the target groups by colour."
  value       = { for colour, group in aws_lb_target_group.this : colour => group.name }
}

output "target_group_arn_suffixes" {
  description = "ARN suffixes of the target groups by colour, the `TargetGroup` dimension of their CloudWatch metrics."
  value       = { for colour, group in aws_lb_target_group.this : colour => group.arn_suffix }
}

################################################################################
# Listeners
################################################################################

output "production_listener_arn" {
  description = "ARN of the production listener (HTTPS with a certificate, HTTP without), whose weights the deploy action shifts between blue and green."
  value       = aws_lb_listener.production.arn
}

output "production_listener_port" {
  description = "Port of the production listener."
  value       = aws_lb_listener.production.port
}

output "http_redirect_listener_arn" {
  description = "ARN of the HTTP listener that redirects to HTTPS, or null without a certificate."
  value       = try(aws_lb_listener.http_redirect[0].arn, null)
}

output "test_listener_arn" {
  description = "ARN of the test listener, or null when `test_listener` is null."
  value       = try(aws_lb_listener.test[0].arn, null)
}

output "url" {
  description = "Base URL of the production listener on the load balancer's DNS name."
  value       = "${local.https ? "https" : "http"}://${aws_lb.this.dns_name}${local.production_port == (local.https ? 443 : 80) ? "" : ":${local.production_port}"}"
}
