package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// reportDSJob is the job whose report TestAccReportDataSource_JobRuns reads.
const reportDSJob = "ossmigrate_job.rd"

func reportDS(name string) string { return "data.ossmigrate_report." + name }

func reportDSPath(steps ...any) tfjsonpath.Path {
	p := tfjsonpath.New(steps[0].(string))
	for _, s := range steps[1:] {
		switch s := s.(type) {
		case string:
			p = p.AtMapKey(s)
		case int:
			p = p.AtSliceIndex(s)
		}
	}
	return p
}

// reportDSRow checks a row's status and source key, and more fields when given.
func reportDSRow(status, key string, more map[string]knownvalue.Check) knownvalue.Check {
	checks := map[string]knownvalue.Check{"status": knownvalue.StringExact(status), "source_key": knownvalue.StringExact(key)}
	for k, v := range more {
		checks[k] = v
	}
	return knownvalue.ObjectPartial(checks)
}

// reportDSJobConfig is a cross-region job (so that objects stream through
// GetObject, where the emulator injects a fault) and data sources reading its
// report with each filter. trigger changes make the job run again.
func (e *accEnv) reportDSJobConfig(trigger int, extra string) string {
	return e.providerConfig() + fmt.Sprintf(`
locals {
  sh_endpoint = %[1]q
}

resource "ossmigrate_job" "rd" {
  name             = "rd"
  max_failed_files = 1
  incremental      = false
  triggers         = { run = "%[2]d" }
  source {
    bucket = "src"
    prefix = "rd/"
  }
  destination {
    bucket   = "dst-sh"
    region   = "cn-shanghai"
    endpoint = local.sh_endpoint
  }
  limits {
    parallelism = 1
  }
}

# The first run's ID, kept when later runs change the job's run_id.
resource "terraform_data" "first_run" {
  input = ossmigrate_job.rd.run_id
  lifecycle {
    ignore_changes = [input]
  }
}

data "ossmigrate_report" "all" {
  location = ossmigrate_job.rd.report_location
  run_id   = ossmigrate_job.rd.run_id
  region   = "cn-shanghai"
  endpoint = local.sh_endpoint
}

data "ossmigrate_report" "failed" {
  location = ossmigrate_job.rd.report_location
  run_id   = ossmigrate_job.rd.run_id
  status   = "failed"
  region   = "cn-shanghai"
  endpoint = local.sh_endpoint
}

data "ossmigrate_report" "skipped" {
  location = ossmigrate_job.rd.report_location
  run_id   = ossmigrate_job.rd.run_id
  status   = "skipped"
  region   = "cn-shanghai"
  endpoint = local.sh_endpoint
}

data "ossmigrate_report" "prefix" {
  location   = ossmigrate_job.rd.report_location
  run_id     = ossmigrate_job.rd.run_id
  key_prefix = "rd/c/"
  region     = "cn-shanghai"
  endpoint   = local.sh_endpoint
}

data "ossmigrate_report" "limited" {
  location = ossmigrate_job.rd.report_location
  run_id   = ossmigrate_job.rd.run_id
  limit    = 2
  region   = "cn-shanghai"
  endpoint = local.sh_endpoint
}

data "ossmigrate_report" "summary_only" {
  location = ossmigrate_job.rd.report_location
  run_id   = ossmigrate_job.rd.run_id
  limit    = 0
  region   = "cn-shanghai"
  endpoint = local.sh_endpoint
}
%[3]s`, e.shEndpoint(), trigger, extra)
}

// TestAccReportDataSource_JobRuns reads the report of a job applied in the
// same configuration: its summary matches the job's state, and status,
// key_prefix, limit and run_id select the rows; a second run leaves the
// first one readable by its ID.
func TestAccReportDataSource_JobRuns(t *testing.T) {
	e := newAccEnv(t)
	content := map[string]string{"rd/a.txt": "alpha", "rd/b.txt": "bravo!", "rd/broken": "broken", "rd/c/d.txt": "delta-delta"}
	for k, v := range content {
		e.put("src", k, []byte(v))
	}
	e.putSpec("src", ossemu.ObjectSpec{Key: "rd/frozen.bin", Data: []byte("frozen"), StorageClass: "Archive"})
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "GetObject", Key: "rd/broken", Status: 403, Code: "AccessDenied"})
	crcD := strconv.FormatUint(crc64ecma.Checksum([]byte(content["rd/c/d.txt"])), 10)

	sameAsJob := func(ds, dsAttr, jobAttr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(reportDS(ds), reportDSPath(dsAttr), reportDSJob, reportDSPath(jobAttr), compare.ValuesSame())
	}
	runIDs := statecheck.CompareValue(compare.ValuesDiffer())
	int64At := func(ds, attr string, want int64) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(reportDS(ds), reportDSPath(attr), knownvalue.Int64Exact(want))
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.reportDSJobConfig(1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(reportDSJob, reportDSPath("run_id")),
					// The summary is the job's outcome.
					sameAsJob("all", "run_id", "run_id"),
					sameAsJob("all", "run_status", "status"),
					sameAsJob("all", "started_at", "started_at"),
					sameAsJob("all", "finished_at", "finished_at"),
					sameAsJob("all", "total_files", "total_files"),
					sameAsJob("all", "total_bytes", "total_bytes"),
					sameAsJob("all", "migrated_count", "migrated_count"),
					sameAsJob("all", "migrated_bytes", "migrated_bytes"),
					sameAsJob("all", "skipped_count", "skipped_count"),
					sameAsJob("all", "failed_count", "failed_count"),
					sameAsJob("all", "copy_method", "copy_method_used"),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("run_status"), knownvalue.StringExact("finished")),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("job"), knownvalue.StringExact("rd")),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("id"), knownvalue.StringRegexp(regexp.MustCompile(`^oss://dst-sh/\.ossmigrate/rd/\d{8}T\d{6}Z-[0-9a-f]{6}$`))),
					int64At("all", "migrated_count", 3),
					int64At("all", "migrated_bytes", 5+6+11),
					int64At("all", "failed_count", 1),
					int64At("all", "failed_bytes", 6),
					int64At("all", "skipped_count", 1),
					int64At("all", "skipped_bytes", 6),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("error"), knownvalue.Null()),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("source"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"bucket": knownvalue.StringExact("src"), "prefix": knownvalue.StringExact("rd/"), "region": knownvalue.StringExact(accHZ),
					})),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("destination", "region"), knownvalue.StringExact(accSH)),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("progress", "files_done"), knownvalue.Int64Exact(5)),
					// Defaults are in state.
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("status"), knownvalue.StringExact("all")),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("limit"), knownvalue.Int64Exact(1000)),
					// Every row, list by list: completed (in the order copied), failed, skipped.
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
						reportDSRow("completed", "rd/a.txt", nil),
						reportDSRow("completed", "rd/b.txt", nil),
						reportDSRow("completed", "rd/c/d.txt", nil),
						reportDSRow("failed", "rd/broken", nil),
						reportDSRow("skipped", "rd/frozen.bin", nil),
					})),
					statecheck.ExpectKnownValue(reportDS("all"), reportDSPath("files_truncated"), knownvalue.Bool(false)),
					// status = "failed": the failed row with its error.
					statecheck.ExpectKnownValue(reportDS("failed"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
						reportDSRow("failed", "rd/broken", map[string]knownvalue.Check{
							"reason": knownvalue.StringRegexp(regexp.MustCompile(`AccessDenied`)),
							"size":   knownvalue.Int64Exact(6),
						}),
					})),
					// status = "skipped": the archived row with its reason.
					statecheck.ExpectKnownValue(reportDS("skipped"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
						reportDSRow("skipped", "rd/frozen.bin", map[string]knownvalue.Check{
							"reason": knownvalue.StringRegexp(regexp.MustCompile(`^archived: .*Archive`)),
						}),
					})),
					// key_prefix: one row, every field.
					statecheck.ExpectKnownValue(reportDS("prefix"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"status":          knownvalue.StringExact("completed"),
							"source_key":      knownvalue.StringExact("rd/c/d.txt"),
							"destination_key": knownvalue.StringExact("c/d.txt"),
							"size":            knownvalue.Int64Exact(11),
							"crc64":           knownvalue.StringExact(crcD),
							"last_modified":   knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)),
							"etag":            knownvalue.NotNull(),
							"reason":          knownvalue.Null(),
						}),
					})),
					statecheck.ExpectKnownValue(reportDS("prefix"), reportDSPath("files_truncated"), knownvalue.Bool(false)),
					// limit: the first rows, and a note that more matched.
					statecheck.ExpectKnownValue(reportDS("limited"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
						reportDSRow("completed", "rd/a.txt", nil),
						reportDSRow("completed", "rd/b.txt", nil),
					})),
					statecheck.ExpectKnownValue(reportDS("limited"), reportDSPath("files_truncated"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(reportDS("summary_only"), reportDSPath("files"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(reportDS("summary_only"), reportDSPath("files_truncated"), knownvalue.Bool(true)),
					int64At("summary_only", "total_files", 5),
				},
			},
			{
				// A second run; the first stays readable by its run ID.
				Config: e.reportDSJobConfig(2, `
data "ossmigrate_report" "first" {
  location = ossmigrate_job.rd.report_location
  run_id   = terraform_data.first_run.output
  status   = "completed"
  region   = "cn-shanghai"
  endpoint = local.sh_endpoint
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(reportDSJob, reportDSPath("run_id")),
					statecheck.CompareValuePairs(reportDS("first"), reportDSPath("run_id"), "terraform_data.first_run", reportDSPath("output"), compare.ValuesSame()),
					statecheck.CompareValuePairs(reportDS("first"), reportDSPath("run_id"), reportDSJob, reportDSPath("run_id"), compare.ValuesDiffer()),
					int64At("first", "migrated_count", 3),
					statecheck.ExpectKnownValue(reportDS("first"), reportDSPath("files"), knownvalue.ListSizeExact(3)),
					// The newest run found everything but the broken object already there.
					sameAsJob("all", "run_id", "run_id"),
					int64At("all", "migrated_count", 0),
					int64At("all", "skipped_count", 4),
					int64At("all", "failed_count", 1),
					statecheck.ExpectKnownValue(reportDS("skipped"), reportDSPath("files"), knownvalue.ListSizeExact(4)),
					statecheck.ExpectKnownValue(reportDS("prefix"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
						reportDSRow("skipped", "rd/c/d.txt", map[string]knownvalue.Check{"reason": knownvalue.StringRegexp(regexp.MustCompile(`^exists: `))}),
					})),
				},
			},
		},
	})
}

// reportDSWriteRun writes a run's report as the engine does, through a
// report.Writer on the emulator.
func (e *accEnv) reportDSWriteRun(ctx context.Context, bucket, prefix, job, runID string, sum report.Summary, rows map[report.List][]report.Row) {
	e.t.Helper()
	b, err := ossstore.Open(ctx, storage.Endpoint{
		Region: accHZ, Endpoint: e.cloud.Endpoint(accHZ), Bucket: bucket, SignVersion: "v4",
		Credentials: storage.Credentials{AccessKeyID: aliceKeyID, AccessKeySecret: aliceKey},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	w := report.NewWriter(b, prefix, job, runID, report.WriterOptions{})
	for _, list := range report.Lists {
		for _, row := range rows[list] {
			if err := w.Add(ctx, list, row); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	if err := w.WriteSummary(ctx, sum); err != nil {
		e.t.Fatal(err)
	}
}

// TestAccReportDataSource_LiveProgress: while a run goes on, its summary has
// status running and live progress; without run_id the data source reads
// that newest run, with one an earlier run. The report is in a bucket of its
// own under a custom prefix, reached with the provider's defaults.
func TestAccReportDataSource_LiveProgress(t *testing.T) {
	e := newAccEnv(t)
	ctx := t.Context()
	const firstRun, liveRun = "20260101T000000Z-aaaaaa", "20260101T010000Z-bbbbbb"
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	finished := started.Add(10 * time.Minute)
	loc := report.Location{Bucket: "src", Prefix: "live/", Region: accHZ}
	dst := report.Location{Bucket: "dst", Region: accHZ}
	e.reportDSWriteRun(ctx, "reports", "team/", "live", firstRun, report.Summary{
		Status: report.StatusFailed, StartedAt: started, FinishedAt: &finished, UpdatedAt: finished,
		Source: loc, Destination: dst, Error: "list source: 403 AccessDenied", CopyMethod: "none",
	}, nil)
	oddKey := "live/a b,\"q\"%\n.txt"
	e.reportDSWriteRun(ctx, "reports", "team/", "live", liveRun, report.Summary{
		Status: report.StatusRunning, StartedAt: started.Add(time.Hour), UpdatedAt: started.Add(time.Hour + time.Minute),
		Source: loc, Destination: dst, CopyMethod: "server_side",
		Planned:  report.Counts{Files: 10, Bytes: 1000},
		Total:    report.Counts{Files: 10, Bytes: 1000},
		Migrated: report.Counts{Files: 1, Bytes: 100},
		Progress: report.Progress{FilesDone: 1, BytesDone: 100, BytesPerSecond: 12.5, ETASeconds: 72},
	}, map[report.List][]report.Row{
		report.ListCompleted: {{SourceKey: oddKey, DestinationKey: oddKey[len("live/"):], Size: 100, CRC64: 18446744073709551615,
			HasCRC64: true, LastModified: started, ETag: `"5D41402ABC4B2A76B9719D911017C592"`}},
	})

	const location = "oss://reports/team/live/"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerConfig() + fmt.Sprintf(`
data "ossmigrate_report" "live" {
  location = %[1]q
}

data "ossmigrate_report" "first" {
  location = %[1]q
  run_id   = %[2]q
}
`, location, firstRun),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("id"), knownvalue.StringExact(location+liveRun)),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("run_id"), knownvalue.StringExact(liveRun)),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("job"), knownvalue.StringExact("live")),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("run_status"), knownvalue.StringExact("running")),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("started_at"), knownvalue.StringExact("2026-01-01T01:00:00Z")),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("updated_at"), knownvalue.StringExact("2026-01-01T01:01:00Z")),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("finished_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("planned_files"), knownvalue.Int64Exact(10)),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("planned_bytes"), knownvalue.Int64Exact(1000)),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("progress"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"files_done": knownvalue.Int64Exact(1), "bytes_done": knownvalue.Int64Exact(100),
					"bytes_per_second": knownvalue.Float64Exact(12.5), "eta_seconds": knownvalue.Int64Exact(72),
				})),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("copy_method"), knownvalue.StringExact("server_side")),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("destination"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"bucket": knownvalue.StringExact("dst"), "prefix": knownvalue.StringExact(""), "region": knownvalue.StringExact(accHZ),
				})),
				statecheck.ExpectKnownValue(reportDS("live"), reportDSPath("files"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"status":          knownvalue.StringExact("completed"),
						"source_key":      knownvalue.StringExact(oddKey),
						"destination_key": knownvalue.StringExact(oddKey[len("live/"):]),
						"size":            knownvalue.Int64Exact(100),
						"crc64":           knownvalue.StringExact("18446744073709551615"),
						"last_modified":   knownvalue.StringExact("2026-01-01T00:00:00Z"),
						"etag":            knownvalue.StringExact(`"5D41402ABC4B2A76B9719D911017C592"`),
						"reason":          knownvalue.Null(),
					}),
				})),
				statecheck.ExpectKnownValue(reportDS("first"), reportDSPath("run_status"), knownvalue.StringExact("failed")),
				statecheck.ExpectKnownValue(reportDS("first"), reportDSPath("finished_at"), knownvalue.StringExact("2026-01-01T00:10:00Z")),
				statecheck.ExpectKnownValue(reportDS("first"), reportDSPath("error"), knownvalue.StringExact("list source: 403 AccessDenied")),
				statecheck.ExpectKnownValue(reportDS("first"), reportDSPath("files"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue(reportDS("first"), reportDSPath("files_truncated"), knownvalue.Bool(false)),
			},
		}},
	})
}

// TestAccReportDataSource_Errors: bad arguments are attribute errors at plan
// time; a report that is not there says where it looked and what to check.
func TestAccReportDataSource_Errors(t *testing.T) {
	e := newAccEnv(t)
	ds := func(body string) string {
		return e.providerConfig() + "\ndata \"ossmigrate_report\" \"test\" {\n" + body + "\n}\n"
	}
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{Config: ds(body), ExpectError: regexp.MustCompile(want)}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(`location = "dst/.ossmigrate/rd/"`, `(?s)Invalid report location.*location: report location "dst/\.ossmigrate/rd/":\s+must\s+start\s+with\s+"oss://"`),
			step(`location = "oss://dst/.ossmigrate/rd"`, `(?s)Invalid report location.*must\s+end\s+with\s+"/"\s+after\s+the\s+job\s+name`),
			step(`location = "oss://Bad_Bucket/rd/"`, `(?s)Invalid report location.*may\s+contain\s+only\s+lowercase`),
			step(`
  location = "oss://dst/.ossmigrate/rd/"
  status   = "done"`, `(?s)Invalid Attribute Value Match.*status.*value must be one of`),
			step(`
  location = "oss://dst/.ossmigrate/rd/"
  limit    = 100001`, `(?s)Invalid Attribute Value.*limit.*between 0 and 100000`),
			step(`
  location = "oss://dst/.ossmigrate/rd/"
  run_id   = "a/b"`, `(?s)run_id.*must be a run ID`),
			step(`
  location = "oss://dst/.ossmigrate/rd/"
  region   = "mars-1"`, `(?s)Invalid OSS region.*"mars-1" is not a known OSS region`),
			step(`
  location    = "oss://dst/.ossmigrate/rd/"
  credentials = "nobody"`, `(?s)Invalid Credentials.*no\s+credentials\s+block\s+named\s+"nobody"`),
			step(`location = "oss://dst/.ossmigrate/never-ran/"`,
				`(?s)Unable to Read Migration Report.*newest\s+run.*oss://dst/\.ossmigrate/never-ran/.*job\s+has\s+run.*credentials\s+"default".*latest\.json\s+not\s+found`),
			step(`
  location = "oss://dst/.ossmigrate/never-ran/"
  run_id   = "20260101T000000Z-abcdef"`, `(?s)Unable to Read Migration Report.*run\s+"20260101T000000Z-abcdef"`),
		},
	})
}

// fakeReportRows serves rows per list and counts what it delivered.
type fakeReportRows struct {
	rows      map[report.List][]report.Row
	delivered int
	failOn    report.List
}

func (f *fakeReportRows) Rows(_ context.Context, _ report.Summary, list report.List, fn func(report.Row) error) error {
	if list == f.failOn {
		return errors.New("chunk missing")
	}
	for _, row := range f.rows[list] {
		f.delivered++
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

func TestReadReportFiles(t *testing.T) {
	rows := map[report.List][]report.Row{
		report.ListCompleted: {{SourceKey: "a/1"}, {SourceKey: "b/2"}, {SourceKey: "a/3"}},
		report.ListFailed:    {{SourceKey: "a/4", Reason: "boom"}},
		report.ListSkipped:   {{SourceKey: "b/5", Reason: "archived: x"}, {SourceKey: "a/6"}},
	}
	cases := []struct {
		name          string
		status        fileStatus
		prefix        string
		limit         int
		failOn        report.List
		want          []string // status:key
		wantTruncated bool
		wantDelivered int // rows read, to show reading stops early
		wantErr       string
	}{
		{name: "all", status: fileStatusAll, limit: 100,
			want: []string{"completed:a/1", "completed:b/2", "completed:a/3", "failed:a/4", "skipped:b/5", "skipped:a/6"}, wantDelivered: 6},
		{name: "failed only", status: fileStatusFailed, limit: 100, want: []string{"failed:a/4"}, wantDelivered: 1},
		{name: "skipped only", status: fileStatusSkipped, limit: 100, want: []string{"skipped:b/5", "skipped:a/6"}, wantDelivered: 2},
		{name: "completed only", status: fileStatusCompleted, limit: 100, want: []string{"completed:a/1", "completed:b/2", "completed:a/3"}, wantDelivered: 3},
		{name: "key prefix", status: fileStatusAll, prefix: "a/", limit: 100,
			want: []string{"completed:a/1", "completed:a/3", "failed:a/4", "skipped:a/6"}, wantDelivered: 6},
		{name: "limit equal to matches is not truncated", status: fileStatusAll, prefix: "a/", limit: 4,
			want: []string{"completed:a/1", "completed:a/3", "failed:a/4", "skipped:a/6"}, wantDelivered: 6},
		{name: "limit stops at the first extra match", status: fileStatusAll, prefix: "a/", limit: 2,
			want: []string{"completed:a/1", "completed:a/3"}, wantTruncated: true, wantDelivered: 4},
		{name: "limit 0 with matches", status: fileStatusAll, limit: 0, want: []string{}, wantTruncated: true, wantDelivered: 1},
		{name: "limit 0 without matches", status: fileStatusAll, prefix: "zzz", limit: 0, want: []string{}, wantDelivered: 6},
		{name: "error names the list", status: fileStatusAll, limit: 100, failOn: report.ListFailed, wantErr: "failed list: chunk missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeReportRows{rows: rows, failOn: tc.failOn}
			files, truncated, err := readReportFiles(t.Context(), src, report.Summary{}, tc.status.lists(), tc.prefix, tc.limit)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, f := range files {
				got = append(got, f.Status.ValueString()+":"+f.SourceKey.ValueString())
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
			if files == nil {
				t.Error("rows are nil, want an empty list")
			}
			if truncated != tc.wantTruncated {
				t.Errorf("truncated %t, want %t", truncated, tc.wantTruncated)
			}
			if src.delivered != tc.wantDelivered {
				t.Errorf("read %d rows, want %d", src.delivered, tc.wantDelivered)
			}
		})
	}
}

func TestFileModelFromRow(t *testing.T) {
	modified := time.Date(2026, 5, 1, 2, 3, 4, 500, time.FixedZone("CST", 8*3600))
	got := fileModelFromRow(report.ListCompleted, report.Row{SourceKey: "k", DestinationKey: "d/k", Size: 7, CRC64: 0, HasCRC64: true, LastModified: modified, ETag: "E"})
	want := reportFileModel{
		Status: types.StringValue("completed"), SourceKey: types.StringValue("k"), DestinationKey: types.StringValue("d/k"),
		Size: types.Int64Value(7), CRC64: types.StringValue("0"), LastModified: types.StringValue("2026-04-30T18:03:04Z"),
		ETag: types.StringValue("E"), Reason: types.StringNull(),
	}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	got = fileModelFromRow(report.ListFailed, report.Row{SourceKey: "k", Reason: "boom"})
	if !got.CRC64.IsNull() || !got.LastModified.IsNull() || !got.ETag.IsNull() || !got.DestinationKey.IsNull() || got.Reason.ValueString() != "boom" {
		t.Errorf("unknown values are not null, or the reason is lost: %+v", got)
	}
}

func TestFileStatusDescriptionListsEveryValue(t *testing.T) {
	var resp datasource.SchemaResponse
	(&reportDataSource{}).Schema(t.Context(), datasource.SchemaRequest{}, &resp)
	desc := resp.Schema.Attributes["status"].GetMarkdownDescription()
	for _, s := range fileStatuses {
		if !strings.Contains(desc, "`"+string(s)+"`") {
			t.Errorf("status description %q lacks %q", desc, s)
		}
		if len(s.lists()) == 0 {
			t.Errorf("status %q selects no list", s)
		}
	}
	if diags := resp.Schema.ValidateImplementation(t.Context()); diags.HasError() {
		t.Errorf("schema: %v", diags)
	}
}

func TestReportReadFailureHidesSecrets(t *testing.T) {
	d := &reportDataSource{data: &providerData{credentials: map[string]credentialSet{
		defaultCredentialsName: {accessKeyID: "AKID-VISIBLE", accessKeySecret: "SECRET-VISIBLE"},
	}}}
	m := &reportDataSourceModel{Location: types.StringValue("oss://b/.ossmigrate/j/"), RunID: types.StringValue("r1"), Credentials: types.StringNull()}
	detail := d.readFailure(m, accHZ, "", errors.New("underlying"))
	for _, want := range []string{"oss://b/.ossmigrate/j/", `run "r1"`, accHZ, `credentials "default"`, "underlying"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "VISIBLE") {
		t.Errorf("detail shows a secret:\n%s", detail)
	}
}
