################################################################################
# Bucket
################################################################################

output "bucket_name" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.this.arn
}

################################################################################
# Locking
################################################################################

output "lock_table_name" {
  description = "Name of the DynamoDB lock table, or null when `create_lock_table` is false."
  value       = try(aws_dynamodb_table.lock[0].name, null)
}

output "lock_table_arn" {
  description = "ARN of the DynamoDB lock table, or null when `create_lock_table` is false."
  value       = try(aws_dynamodb_table.lock[0].arn, null)
}

output "backend_config" {
  description = "Settings for the S3 backend of a root that keeps its state here (`-backend-config` entries); add `key`. Uses the S3 lockfile, which needs Terraform 1.10 or newer."
  value = merge(
    {
      bucket       = aws_s3_bucket.this.id
      region       = aws_s3_bucket.this.region
      encrypt      = true
      use_lockfile = true
    },
    var.kms_key_arn == null ? {} : { kms_key_id = var.kms_key_arn },
  )
}

################################################################################
# Access policy
################################################################################

output "access_policy_arn" {
  description = "ARN of the managed policy granting Terraform access to the state, or null when `create_access_policy` is false."
  value       = try(aws_iam_policy.access[0].arn, null)
}

output "access_policy_json" {
  description = "The state access policy document as JSON, for roles that take inline policies."
  value       = data.aws_iam_policy_document.access.json
}
