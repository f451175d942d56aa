# A job is imported from its report, by its report_location ...
terraform import ossmigrate_job.logs oss://log-archive/.ossmigrate/logs-2025/

# ... or, when the report uses the default prefix .ossmigrate/, by <bucket>/<name>.
terraform import ossmigrate_job.logs log-archive/logs-2025
