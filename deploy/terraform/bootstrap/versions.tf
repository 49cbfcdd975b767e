terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Local state: this root creates the bucket every other state lives in. Keep
  # its terraform.tfstate safe (it holds no secret), or move it into the bucket
  # afterwards with a backend "s3" block and terraform init -migrate-state.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
