# The dev environment applied to moto_server (scripts/infra/check.sh,
# tests/deploy/test_dev_stack.py), on top of the bootstrap root.
github_repository   = "example/footfall"
alarm_email         = "ops@example.com"
allowed_cidr_blocks = ["198.51.100.0/24"]
