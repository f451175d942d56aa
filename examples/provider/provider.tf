# The provider's own keys come from the environment:
#   ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
#   (or the alicloud provider's ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY).
# The account that owns the source bucket gets a named credential set; with no
# keys in the block they are read from ALIBABA_CLOUD_ACCESS_KEY_ID_SOURCE_ACCOUNT
# and ALIBABA_CLOUD_ACCESS_KEY_SECRET_SOURCE_ACCOUNT, so no key is ever written
# into the configuration, a plan file or the state.
provider "ossmigrate" {
  region = "cn-hangzhou"

  credentials {
    name = "source_account"
  }
}
