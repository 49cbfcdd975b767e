terraform {
  required_version = ">= 1.11" # write-only attributes (value_wo)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # State in the bucket of the bootstrap root, locked with S3's own conditional
  # writes (no DynamoDB table). The bucket is given at init, as it is named
  # after the account: terraform init -backend-config=bucket=footfall-tfstate-ACCOUNT
  backend "s3" {
    key          = "prod/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
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
