# The bootstrap root applied to moto_server (scripts/infra/check.sh,
# tests/deploy/test_dev_stack.py): a throwaway account.
github_repository          = "example/footfall"
state_bucket_force_destroy = true
