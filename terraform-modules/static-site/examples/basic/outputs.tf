output "bucket_name" {
  description = "Name of the bucket holding the site's files."
  value       = module.static_site.bucket_name
}

output "distribution_id" {
  description = "ID of the CloudFront distribution."
  value       = module.static_site.distribution_id
}

output "url" {
  description = "HTTPS URL of the site."
  value       = module.static_site.url
}
