# The failed files of the last run of a job, for an alert or a ticket.
data "ossmigrate_report" "failures" {
  location = ossmigrate_job.logs.report_location
  run_id   = ossmigrate_job.logs.run_id
  status   = "failed"
  limit    = 100
}

output "failed_keys" {
  value = [for f in data.ossmigrate_report.failures.files : "${f.source_key}: ${f.reason}"]
}
