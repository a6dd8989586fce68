locals {
  name        = "${var.project}-${var.environment}-${var.name}"
  tags        = merge(var.tags, { Project = var.project, Environment = var.environment })
  bucket_name = coalesce(var.bucket_name, local.name)

  s3_origin_id  = "s3-${local.bucket_name}"
  api_origin_id = "api"

  # AWS managed policies. Their IDs are the same in every account.
  managed_caching_optimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  managed_caching_disabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  managed_all_viewer_except_host     = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  managed_security_headers_policy_id = "67f7725c-6f97-4210-82d7-5512b31e9d03"
  response_headers_policy_id         = coalesce(var.response_headers_policy_id, local.managed_security_headers_policy_id)
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

# BucketOwnerEnforced disables ACLs: the bucket owner owns every object and
# only policies grant access.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

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

# Written with jsonencode rather than a policy document data source: a data
# source would be read again at apply time whenever the distribution has a
# pending change, turning every such plan into a policy change too.
locals {
  bucket_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "CloudFrontReadsObjects"
          Effect    = "Allow"
          Principal = { Service = "cloudfront.amazonaws.com" }
          Action    = "s3:GetObject"
          Resource  = "${aws_s3_bucket.this.arn}/*"
          # Only this site's distribution, not every distribution in AWS.
          Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this.arn } }
        },
      ],
      # Off only for a local emulator that serves plain HTTP.
      var.deny_insecure_transport ? [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
      ] : [],
    )
  })
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = local.bucket_policy

  # A policy written before the public access block could be judged public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Distribution
################################################################################

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = local.name
  description                       = "CloudFront access to the ${local.bucket_name} bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Client-side routes (paths without a file extension) get the root object,
# while requests for files keep S3's answer. Only the default behaviour
# runs it, so API responses are never rewritten.
resource "aws_cloudfront_function" "spa_routing" {
  count = var.single_page_app ? 1 : 0

  name    = "${local.name}-spa-routing"
  comment = "Serve /${var.default_root_object} for client-side routes of ${local.name}"
  runtime = "cloudfront-js-2.0"
  publish = true
  code = templatefile("${path.module}/spa-routing.js", {
    root_object = var.default_root_object
  })
}

resource "aws_cloudfront_distribution" "this" {
  enabled             = true
  comment             = local.name
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  default_root_object = var.default_root_object
  aliases             = var.aliases
  web_acl_id          = var.web_acl_id
  wait_for_deployment = false

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = aws_s3_bucket.this.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  dynamic "origin" {
    for_each = var.api_origin == null ? [] : [var.api_origin]

    content {
      origin_id   = local.api_origin_id
      domain_name = origin.value.domain_name

      custom_origin_config {
        origin_protocol_policy = origin.value.protocol_policy
        http_port              = origin.value.http_port
        https_port             = origin.value.https_port
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.s3_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.managed_caching_optimized
    response_headers_policy_id = local.response_headers_policy_id

    dynamic "function_association" {
      for_each = aws_cloudfront_function.spa_routing

      content {
        event_type   = "viewer-request"
        function_arn = function_association.value.arn
      }
    }
  }

  # API requests go to the backend uncached and unchanged; HTTPS only, so a
  # POST body is never lost to a redirect.
  dynamic "ordered_cache_behavior" {
    for_each = var.api_origin == null ? [] : [var.api_origin]

    content {
      path_pattern               = ordered_cache_behavior.value.path_pattern
      target_origin_id           = local.api_origin_id
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = local.managed_caching_disabled
      origin_request_policy_id   = local.managed_all_viewer_except_host
      response_headers_policy_id = local.response_headers_policy_id
    }
  }

  dynamic "logging_config" {
    for_each = var.logging == null ? [] : [var.logging]

    content {
      bucket          = logging_config.value.bucket
      prefix          = logging_config.value.prefix
      include_cookies = logging_config.value.include_cookies
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.certificate_arn == null
    acm_certificate_arn            = var.certificate_arn
    ssl_support_method             = var.certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.certificate_arn == null ? "TLSv1" : var.minimum_protocol_version
  }

  tags = merge(local.tags, { Name = local.name })

  lifecycle {
    precondition {
      condition     = length(var.aliases) == 0 || var.certificate_arn != null
      error_message = "var.aliases (${join(", ", var.aliases)}) needs var.certificate_arn: CloudFront serves extra domain names only with a certificate that covers them."
    }
  }
}
