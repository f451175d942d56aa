# A complete job, runnable against the demo emulator (`make demo` runs it).
#
# Keys come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET;
# the demo sets them to the emulator's default account.

terraform {
  required_providers {
    ossmigrate = {
      source = "ossmigrate/ossmigrate"
    }
  }
}

variable "endpoint" {
  description = "OSS endpoint of cn-hangzhou (the demo passes the emulator's)."
  type        = string
  default     = "https://oss-cn-hangzhou.aliyuncs.com"
}

provider "ossmigrate" {
  region   = "cn-hangzhou"
  endpoint = var.endpoint
}

resource "ossmigrate_job" "quickstart" {
  name = "quickstart"

  source {
    bucket = "demo-source"
  }

  destination {
    bucket = "demo-destination"
    prefix = "migrated/"
  }

  filter {
    exclude = ["**/*.tmp"]
  }

  limits {
    parallelism = 16
  }
}

# The first rows of the report the apply just wrote.
data "ossmigrate_report" "completed" {
  location = ossmigrate_job.quickstart.report_location
  run_id   = ossmigrate_job.quickstart.run_id
  status   = "completed"
  limit    = 5
}

output "status" {
  value = ossmigrate_job.quickstart.status
}

output "counts" {
  value = {
    total    = ossmigrate_job.quickstart.total_files
    migrated = ossmigrate_job.quickstart.migrated_count
    bytes    = ossmigrate_job.quickstart.migrated_bytes
    skipped  = ossmigrate_job.quickstart.skipped_count
    failed   = ossmigrate_job.quickstart.failed_count
  }
}

output "skipped_archive_objects" {
  value = ossmigrate_job.quickstart.archived_files
}

output "report_location" {
  value = ossmigrate_job.quickstart.report_location
}

output "first_report_rows" {
  value = [for f in data.ossmigrate_report.completed.files : "${f.source_key} -> ${f.destination_key} (${f.size} bytes, crc64 ${f.crc64})"]
}
