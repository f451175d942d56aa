# Copy the logs of the last year from a bucket in Hangzhou, owned by another
# account, into an archive bucket in Shanghai, at most 50 MB/s during office
# hours (Beijing time) and 200 MB/s otherwise.
resource "ossmigrate_job" "logs" {
  name = "logs-2025"

  source {
    bucket      = "app-logs"
    prefix      = "prod/"
    region      = "cn-hangzhou"
    credentials = "source_account"
  }

  destination {
    bucket        = "log-archive"
    prefix        = "app/prod/"
    region        = "cn-shanghai"
    storage_class = "IA"
  }

  overwrite = "if_newer" # the default: replace only objects changed at the source
  verify    = "crc64"    # the default: compare the CRC-64 OSS reports on both sides

  filter {
    include        = ["**/*.log.gz"]
    exclude        = ["tmp/**"]
    modified_after = "2025-01-01T00:00:00Z"
  }

  limits {
    parallelism          = 32
    max_bytes_per_second = 200000000 # outside the windows below
    time_zone            = "Asia/Shanghai"

    schedule {
      start                = "09:00"
      end                  = "18:00"
      max_bytes_per_second = 50000000
    }
  }

  max_failed_files = 10

  timeouts {
    create = "12h"
    update = "12h"
  }
}

# Other modules can use the outcome, for example to refresh a CDN for the
# migrated keys.
output "migrated" {
  value = ossmigrate_job.logs.migrated_count
}
