data "aws_region" "current" {
  count = var.create ? 1 : 0
}

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  region     = try(data.aws_region.current[0].name, "")
  partition  = try(data.aws_partition.current[0].partition, "aws")
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  readonly_root_filesystem = coalesce(var.container_readonly_root_filesystem, !var.enable_execute_command)

  health_check_command = coalesce(var.container_health_check.command, [
    "CMD", "python", "-c",
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${var.container_port}${var.container_health_check.path}', timeout=${var.container_health_check.timeout - 1})",
  ])

  container_definition = merge(
    {
      name      = var.name
      image     = var.container_image
      essential = true
      portMappings = [{
        name          = "http"
        containerPort = var.container_port
        hostPort      = var.container_port
        protocol      = "tcp"
      }]
      environment            = [for k in sort(keys(var.container_environment)) : { name = k, value = var.container_environment[k] }]
      secrets                = [for k in sort(keys(var.container_secrets)) : { name = k, valueFrom = var.container_secrets[k] }]
      readonlyRootFilesystem = local.readonly_root_filesystem
      stopTimeout            = var.stop_timeout
      healthCheck = {
        command     = local.health_check_command
        interval    = var.container_health_check.interval
        timeout     = var.container_health_check.timeout
        retries     = var.container_health_check.retries
        startPeriod = var.container_health_check.start_period
      }
      # tini-like init reaps the SSM agent's children under ECS Exec and
      # forwards SIGTERM to the app.
      linuxParameters = { initProcessEnabled = true }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = try(aws_cloudwatch_log_group.this[0].name, "")
          awslogs-region        = local.region
          awslogs-stream-prefix = "ecs"
        }
      }
    },
    var.container_command == null ? {} : { command = var.container_command },
  )

  # A Secrets Manager valueFrom may end in :json-key:version-stage:version-id;
  # IAM wants the secret ARN itself (its first seven fields).
  secret_values = values(var.container_secrets)
  ssm_parameter_arns = distinct([
    for v in local.secret_values : v if length(regexall("^arn:[^:]+:ssm:", v)) > 0
  ])
  secretsmanager_arns = distinct([
    for v in local.secret_values : join(":", slice(split(":", v), 0, 7)) if length(regexall("^arn:[^:]+:secretsmanager:", v)) > 0
  ])

  service_name      = var.name
  security_group_id = try(aws_security_group.this[0].id, null)
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an input (default 30 days); a privacy-first service keeps operational logs short. Raise it where policy requires.
  count = var.create ? 1 : 0

  name              = "/ecs/${var.name}"
  retention_in_days = var.cloudwatch_log_group_retention_in_days
  kms_key_id        = var.cloudwatch_log_group_kms_key_id
  tags              = var.tags
}

################################################################################
# Task execution role: used by the ECS agent, never by the app
################################################################################

locals {
  ecs_tasks_assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EcsTasksAssume"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      # Confused-deputy guard: only tasks of this account may assume it.
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*" }
      }
    }]
  })

  task_exec_statements = concat(
    [
      {
        Sid      = "EcrAuth"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid    = "EcrPull"
        Effect = "Allow"
        Action = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = length(var.task_exec_iam_role_ecr_repository_arns) > 0 ? var.task_exec_iam_role_ecr_repository_arns : [
          "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/*"
        ]
      },
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${try(aws_cloudwatch_log_group.this[0].arn, "")}:*"]
      },
    ],
    [for s in [{
      Sid      = "SsmSecrets"
      Effect   = "Allow"
      Action   = ["ssm:GetParameters"]
      Resource = local.ssm_parameter_arns
    }] : s if length(local.ssm_parameter_arns) > 0],
    [for s in [{
      Sid      = "SecretsManagerSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = local.secretsmanager_arns
    }] : s if length(local.secretsmanager_arns) > 0],
    [for s in [{
      Sid      = "DecryptSecrets"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = var.task_exec_iam_role_kms_key_arns
    }] : s if length(var.task_exec_iam_role_kms_key_arns) > 0],
  )
}

resource "aws_iam_role" "task_exec" {
  count = var.create ? 1 : 0

  name_prefix          = "${coalesce(var.task_exec_iam_role_name, "${var.name}-exec")}-"
  description          = "ECS task execution role of ${var.name}: image pull, logs, secrets"
  assume_role_policy   = local.ecs_tasks_assume_role_policy
  permissions_boundary = var.task_exec_iam_role_permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "task_exec" {
  count = var.create ? 1 : 0

  name   = "task-exec"
  role   = aws_iam_role.task_exec[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.task_exec_statements })
}

################################################################################
# Task role: what the application may do
################################################################################

locals {
  tasks_statements = concat(
    [
      for s in var.tasks_iam_role_statements : merge(
        {
          Effect   = s.effect
          Action   = s.actions
          Resource = s.resources
        },
        s.sid == null ? {} : { Sid = s.sid },
        length(s.conditions) == 0 ? {} : {
          Condition = {
            for test in distinct([for c in s.conditions : c.test]) : test => {
              for c in s.conditions : c.variable => c.values if c.test == test
            }
          }
        },
      )
    ],
    # ECS Exec: the SSM agent in the task opens its channels with the task role.
    [for s in [{
      Sid    = "EcsExec"
      Effect = "Allow"
      Action = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      Resource = ["*"]
    }] : s if var.enable_execute_command],
    [for s in [
      {
        Sid      = "EcsExecLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["${coalesce(var.tasks_iam_role_exec_log_group_arn, "unset")}:*"]
      },
      {
        Sid      = "EcsExecLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["*"]
      },
    ] : s if var.enable_execute_command && var.tasks_iam_role_exec_log_group_arn != null],
  )
}

resource "aws_iam_role" "tasks" {
  count = var.create ? 1 : 0

  name_prefix          = "${coalesce(var.tasks_iam_role_name, "${var.name}-task")}-"
  description          = "Task role of ${var.name}: what the application may call"
  assume_role_policy   = local.ecs_tasks_assume_role_policy
  permissions_boundary = var.tasks_iam_role_permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "tasks" {
  count = var.create && (length(var.tasks_iam_role_statements) > 0 || var.enable_execute_command) ? 1 : 0

  name   = "task"
  role   = aws_iam_role.tasks[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.tasks_statements })
}

################################################################################
# Task definition
################################################################################

resource "aws_ecs_task_definition" "this" {
  count = var.create ? 1 : 0

  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.task_exec[0].arn
  task_role_arn            = aws_iam_role.tasks[0].arn

  runtime_platform {
    cpu_architecture        = var.runtime_platform.cpu_architecture
    operating_system_family = var.runtime_platform.operating_system_family
  }

  #checkov:skip=CKV_AWS_336:readonlyRootFilesystem is set, but inside the jsonencode()d container definition that checkov cannot read: true unless enable_execute_command (default false) is on, since the ECS Exec SSM agent must write to the root filesystem; the service tests assert it.
  container_definitions = jsonencode([local.container_definition])

  tags = var.tags
}

################################################################################
# Security group: the container port is reachable from the given SGs only
################################################################################

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0

  name_prefix = "${var.name}-service-"
  description = "Tasks of ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-service" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_sources" {
  for_each = var.create ? var.security_group_ingress_source_security_group_ids : {}

  security_group_id            = aws_security_group.this[0].id
  description                  = "Container port from ${each.key}"
  referenced_security_group_id = each.value
  from_port                    = var.container_port
  to_port                      = var.container_port
  ip_protocol                  = "tcp"
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = var.create ? toset(var.security_group_egress_https_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS to AWS APIs and ECR"
  cidr_ipv4         = each.value
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "extra" {
  for_each = var.create ? var.security_group_egress_rules : {}

  security_group_id            = aws_security_group.this[0].id
  description                  = coalesce(each.value.description, "TCP ${each.value.port} (${each.key})")
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.referenced_security_group_id
  from_port                    = each.value.port
  to_port                      = each.value.port
  ip_protocol                  = "tcp"
  tags                         = var.tags
}

################################################################################
# Service. Lifecycle blocks cannot be conditional, so there are two resources:
# `this` (Terraform owns the task definition) and `ignore_task_definition`
# (CI deploys own it; Terraform created it and then leaves it alone).
################################################################################

resource "aws_ecs_service" "this" {
  count = var.create && !var.ignore_task_definition_changes ? 1 : 0

  name                               = local.service_name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this[0].arn
  desired_count                      = var.desired_count
  platform_version                   = var.platform_version
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = var.load_balancer == null ? null : var.health_check_grace_period_seconds
  wait_for_steady_state              = var.wait_for_steady_state

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.key
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  #checkov:skip=CKV_AWS_333:assign_public_ip is an input that defaults to false; only the NAT-less free-tier dev layout turns it on, and the prod test asserts it stays off.
  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this[0].id]
    assign_public_ip = var.assign_public_ip
  }

  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]
    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = var.name
      container_port   = var.container_port
    }
  }

  deployment_circuit_breaker {
    enable   = var.deployment_circuit_breaker.enable
    rollback = var.deployment_circuit_breaker.rollback
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_ecs_service" "ignore_task_definition" {
  count = var.create && var.ignore_task_definition_changes ? 1 : 0

  name                               = local.service_name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this[0].arn
  desired_count                      = var.desired_count
  platform_version                   = var.platform_version
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = var.load_balancer == null ? null : var.health_check_grace_period_seconds
  wait_for_steady_state              = var.wait_for_steady_state

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.key
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  #checkov:skip=CKV_AWS_333:assign_public_ip is an input that defaults to false; only the NAT-less free-tier dev layout turns it on, and the prod test asserts it stays off.
  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this[0].id]
    assign_public_ip = var.assign_public_ip
  }

  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]
    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = var.name
      container_port   = var.container_port
    }
  }

  deployment_circuit_breaker {
    enable   = var.deployment_circuit_breaker.enable
    rollback = var.deployment_circuit_breaker.rollback
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [desired_count, task_definition]
  }
}

################################################################################
# Autoscaling
################################################################################

locals {
  create_autoscaling = var.create && var.enable_autoscaling
  autoscaling_target_policies = {
    for k, v in {
      cpu = var.autoscaling_policies.cpu_target == null ? null : {
        metric = "ECSServiceAverageCPUUtilization", target = var.autoscaling_policies.cpu_target, label = null
      }
      memory = var.autoscaling_policies.memory_target == null ? null : {
        metric = "ECSServiceAverageMemoryUtilization", target = var.autoscaling_policies.memory_target, label = null
      }
      requests = var.autoscaling_policies.alb_request_count == null ? null : {
        metric = "ALBRequestCountPerTarget", target = var.autoscaling_policies.alb_request_count, label = var.autoscaling_alb_resource_label
      }
    } : k => v if local.create_autoscaling && v != null
  }
}

resource "aws_appautoscaling_target" "this" {
  count = local.create_autoscaling ? 1 : 0

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${local.service_name}"
  min_capacity       = var.autoscaling_min_capacity
  max_capacity       = var.autoscaling_max_capacity
  tags               = var.tags

  depends_on = [aws_ecs_service.this, aws_ecs_service.ignore_task_definition]
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.autoscaling_target_policies

  name               = "${var.name}-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = var.autoscaling_policies.scale_in_cooldown
    scale_out_cooldown = var.autoscaling_policies.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
      resource_label         = each.value.label
    }
  }
}

resource "aws_appautoscaling_scheduled_action" "this" {
  for_each = local.create_autoscaling ? var.autoscaling_scheduled_actions : {}

  name               = "${var.name}-${each.key}"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  schedule           = each.value.schedule
  timezone           = each.value.timezone

  scalable_target_action {
    min_capacity = each.value.min_capacity
    max_capacity = each.value.max_capacity
  }
}
