terraform {
  # 1.11 is the first release with write-only arguments (secret_string_wo),
  # which keep the generated JWT secret out of the state. Older releases
  # cannot parse the ephemeral resource block that feeds it.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
