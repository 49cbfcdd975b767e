terraform {
  required_version = ">= 1.11" # write-only attributes (value_wo)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Local state by default. For a shared environment, bootstrap a bucket
  # (see docs/deploy.md) and use:
  #
  # backend "s3" {
  #   bucket       = "footfall-tfstate-ACCOUNT_ID"
  #   key          = "prod/terraform.tfstate"
  #   region       = "us-east-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# Generates the random secrets (ephemeral, never stored); see main.tf.
provider "aws" {
  alias  = "secrets"
  region = var.region
}
