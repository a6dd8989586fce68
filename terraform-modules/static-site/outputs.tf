################################################################################
# Bucket
################################################################################

output "bucket_name" {
  description = "Name of the bucket holding the site's files (where the publish step uploads them)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket, the distribution's S3 origin."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

################################################################################
# Distribution
################################################################################

output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "Domain name of the distribution (`*.cloudfront.net`)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_hosted_zone_id" {
  description = "Route 53 hosted zone ID of the distribution, for alias records."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}

output "url" {
  description = "HTTPS URL of the site: the first alias, or the distribution's domain name."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this.domain_name}"
}

output "origin_access_control_id" {
  description = "ID of the origin access control through which CloudFront reads the bucket."
  value       = aws_cloudfront_origin_access_control.this.id
}
