data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  name = "${var.project}-${var.environment}-${var.name}"
  tags = merge(var.tags, { Project = var.project, Environment = var.environment })

  https           = var.certificate_arn != null
  production_port = local.https ? var.https_port : var.http_port
  listener_ports  = local.https ? toset([var.http_port, var.https_port]) : toset([var.http_port])
  colours         = toset(["blue", "green"])

  # Target group names are limited to 32 characters and must be unique in
  # the account and region. The suffix is a hash of the attributes whose
  # change replaces a target group, so the replacement (created before the
  # old one is destroyed) never collides with the name still in use.
  target_group_suffix      = substr(sha1("${var.vpc_id}/${var.target_port}/HTTP/ip"), 0, 4)
  target_group_name_length = length(local.name) + length("-green-") + 4
  target_group_names       = { for colour in local.colours : colour => "${local.name}-${colour}-${local.target_group_suffix}" }

  # Rules are keyed by port and list position rather than by CIDR block or
  # prefix list, so the keys are known at plan time even when the blocks
  # come from resources created in the same run.
  ingress_cidr_rules = {
    for pair in setproduct(local.listener_ports, range(length(var.ingress_cidr_blocks))) : "${pair[0]}-${pair[1]}" => {
      port = pair[0]
      cidr = var.ingress_cidr_blocks[pair[1]]
    }
  }
  ingress_prefix_list_rules = {
    for pair in setproduct(local.listener_ports, range(length(var.ingress_prefix_list_ids))) : "${pair[0]}-${pair[1]}" => {
      port           = pair[0]
      prefix_list_id = var.ingress_prefix_list_ids[pair[1]]
    }
  }
  test_listener_cidrs = var.test_listener == null ? {} : {
    for index, cidr in var.test_listener.cidr_blocks : tostring(index) => cidr
  }
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  name               = local.name
  load_balancer_type = "application"
  internal           = var.internal
  subnets            = var.subnet_ids
  security_groups    = [aws_security_group.this.id]

  idle_timeout               = var.idle_timeout_seconds
  enable_deletion_protection = var.deletion_protection
  drop_invalid_header_fields = true
  enable_http2               = true

  dynamic "access_logs" {
    for_each = var.access_logs == null ? [] : [var.access_logs]

    content {
      enabled = true
      bucket  = access_logs.value.bucket
      prefix  = access_logs.value.prefix
    }
  }

  tags = merge(local.tags, { Name = local.name })

  lifecycle {
    precondition {
      condition     = length(local.name) <= 32
      error_message = "The load balancer name \"${local.name}\" built from var.project, var.environment and var.name is ${length(local.name)} characters long; AWS allows 32. Shorten var.name, var.project or var.environment."
    }
  }
}

################################################################################
# Security group
################################################################################

resource "aws_security_group" "this" {
  name        = "${local.name}-alb"
  description = "Load balancer ${local.name}: listener ports from the allowed sources, targets in the VPC"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "listener_cidr" {
  for_each = local.ingress_cidr_rules

  security_group_id = aws_security_group.this.id
  description       = "Listener port ${each.value.port} from ${each.value.cidr}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr

  tags = merge(local.tags, { Name = "${local.name}-alb-${each.value.port}" })
}

resource "aws_vpc_security_group_ingress_rule" "listener_prefix_list" {
  for_each = local.ingress_prefix_list_rules

  security_group_id = aws_security_group.this.id
  description       = "Listener port ${each.value.port} from prefix list ${each.value.prefix_list_id}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  prefix_list_id    = each.value.prefix_list_id

  tags = merge(local.tags, { Name = "${local.name}-alb-${each.value.port}" })
}

resource "aws_vpc_security_group_ingress_rule" "test_listener" {
  for_each = local.test_listener_cidrs

  security_group_id = aws_security_group.this.id
  description       = "Test listener port ${var.test_listener.port} from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.test_listener.port
  to_port           = var.test_listener.port
  cidr_ipv4         = each.value

  tags = merge(local.tags, { Name = "${local.name}-alb-test" })
}

# The load balancer only talks to its targets (traffic and health checks),
# which sit in the VPC on the target port.
resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.this.id
  description       = "Targets on port ${var.target_port} in the VPC"
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
  cidr_ipv4         = data.aws_vpc.this.cidr_block

  tags = merge(local.tags, { Name = "${local.name}-alb-targets" })
}

################################################################################
# Target groups
################################################################################

resource "aws_lb_target_group" "this" {
  for_each = local.colours

  name                 = local.target_group_names[each.key]
  vpc_id               = var.vpc_id
  port                 = var.target_port
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = var.deregistration_delay_seconds

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = var.health_check.path
    matcher             = var.health_check.matcher
    interval            = var.health_check.interval_seconds
    timeout             = var.health_check.timeout_seconds
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
  }

  tags = merge(local.tags, { Name = local.target_group_names[each.key], Colour = each.key })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = local.target_group_name_length <= 32
      error_message = "The target group names built from var.project, var.environment and var.name (\"${local.name}-green-xxxx\") are ${local.target_group_name_length} characters long; AWS allows 32. Shorten var.name (now \"${var.name}\"), var.project or var.environment so that \"<project>-<environment>-<name>\" has at most 21 characters."
    }
  }
}

################################################################################
# Listeners
################################################################################

# The production listener starts with all traffic on blue. From then on the
# deploy action owns its weights, so Terraform ignores the default action.
# When a target group is replaced (a new port or VPC), the listener is
# replaced with it, which resets the weights to blue.
resource "aws_lb_listener" "production" {
  load_balancer_arn = aws_lb.this.arn
  port              = local.production_port
  protocol          = local.https ? "HTTPS" : "HTTP"
  certificate_arn   = var.certificate_arn
  ssl_policy        = local.https ? var.ssl_policy : null

  default_action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 0
      }
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-production" })

  lifecycle {
    ignore_changes       = [default_action]
    replace_triggered_by = [aws_lb_target_group.this["blue"].id, aws_lb_target_group.this["green"].id]
  }
}

resource "aws_lb_listener_certificate" "additional" {
  for_each = local.https ? toset(var.additional_certificate_arns) : toset([])

  listener_arn    = aws_lb_listener.production.arn
  certificate_arn = each.value
}

resource "aws_lb_listener" "http_redirect" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = var.http_port
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = tostring(var.https_port)
      status_code = "HTTP_301"
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-http-redirect" })

  # When a certificate is added, the production listener moves from the
  # HTTP port to the HTTPS port first, freeing the HTTP port.
  depends_on = [aws_lb_listener.production]
}

# The test listener starts on green, the idle colour; the deploy action
# points it at whichever colour it is about to release.
resource "aws_lb_listener" "test" {
  count = var.test_listener == null ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener.port
  protocol          = local.https ? "HTTPS" : "HTTP"
  certificate_arn   = var.certificate_arn
  ssl_policy        = local.https ? var.ssl_policy : null

  default_action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 0
      }

      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 100
      }
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-test" })

  lifecycle {
    ignore_changes       = [default_action]
    replace_triggered_by = [aws_lb_target_group.this["blue"].id, aws_lb_target_group.this["green"].id]

    precondition {
      condition     = !contains(tolist(local.listener_ports), var.test_listener.port)
      error_message = "var.test_listener.port (${var.test_listener.port}) is already used by the HTTP or HTTPS listener; choose another port, for example 8443."
    }
  }
}
