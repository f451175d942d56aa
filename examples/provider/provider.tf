# The default credentials come from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID /
# ALIBABA_CLOUD_ACCESS_KEY_SECRET, or ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY).
# A second account, for example the one that owns the source bucket, gets a named
# credential set whose keys come from sensitive variables.
variable "source_account_access_key" {
  type      = string
  sensitive = true
}

variable "source_account_secret_key" {
  type      = string
  sensitive = true
}

provider "ossmigrate" {
  region = "cn-hangzhou"

  credentials {
    name       = "source_account"
    access_key = var.source_account_access_key
    secret_key = var.source_account_secret_key
  }
}
