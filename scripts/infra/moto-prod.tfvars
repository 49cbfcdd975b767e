# The prod environment applied to moto_server (scripts/infra/check.sh), on top of
# the bootstrap root. certificate_arn is given on the command line: check.sh
# requests a certificate from moto's ACM first (the HTTPS listener needs one
# that exists).
github_repository = "example/footfall"
alarm_email       = "ops@example.com"
domain_name       = "stats.example.com"
