locals {
  name        = "${var.project}-${var.environment}"
  tags        = merge(var.tags, { Project = var.project, Environment = var.environment })
  bucket_name = coalesce(var.bucket_name, "${local.name}-tfstate")
}

################################################################################
# Bucket
################################################################################

resource "aws_s3_bucket" "this" {
  bucket        = local.bucket_name
  force_destroy = var.force_destroy

  tags = merge(local.tags, { Name = local.bucket_name })
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# BucketOwnerEnforced disables ACLs: only policies grant access.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Every state write keeps the previous version, so a broken state can be
# restored.
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    # An empty prefix selects every object.
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# Without this policy (deny_insecure_transport = false) the bucket accepts
# plain HTTP, which only a local emulator serving plain HTTP needs.
resource "aws_s3_bucket_policy" "this" {
  count = var.deny_insecure_transport ? 1 : 0

  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Lock table
################################################################################

resource "aws_dynamodb_table" "lock" {
  count = var.create_lock_table ? 1 : 0

  name                        = "${local.name}-tflock"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = var.lock_table_deletion_protection

  attribute {
    name = "LockID"
    type = "S"
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = merge(local.tags, { Name = "${local.name}-tflock" })
}

################################################################################
# Access policy
################################################################################

# What Terraform's S3 backend calls: list the bucket, read and write the
# state, and create, read and delete the `<key>.tflock` lockfile (plus the
# lock table's items when it exists).
data "aws_iam_policy_document" "access" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]
  }

  statement {
    sid       = "ReadWriteState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [for pattern in var.state_key_patterns : "${aws_s3_bucket.this.arn}/${pattern}"]
  }

  statement {
    sid       = "ReleaseLockfile"
    actions   = ["s3:DeleteObject"]
    resources = [for pattern in var.state_key_patterns : "${aws_s3_bucket.this.arn}/${trimsuffix(pattern, ".tflock")}.tflock"]
  }

  dynamic "statement" {
    for_each = var.create_lock_table ? [1] : []

    content {
      sid       = "LockTable"
      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = [aws_dynamodb_table.lock[0].arn]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [1]

    content {
      sid       = "EncryptState"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_policy" "access" {
  count = var.create_access_policy ? 1 : 0

  name        = "${local.name}-tfstate-access"
  description = "Terraform state access to s3://${local.bucket_name}"
  policy      = data.aws_iam_policy_document.access.json

  tags = merge(local.tags, { Name = "${local.name}-tfstate-access" })
}
