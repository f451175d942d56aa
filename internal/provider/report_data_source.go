package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

var (
	_ datasource.DataSource              = (*reportDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*reportDataSource)(nil)
)

// Bounds of the limit argument.
const (
	defaultReportRowLimit = 1000
	maxReportRowLimit     = 100000
)

// fileStatus is a value of the status argument: which of a run's file lists
// the data source returns rows of.
type fileStatus string

const (
	fileStatusAll       fileStatus = "all"
	fileStatusCompleted fileStatus = "completed"
	fileStatusFailed    fileStatus = "failed"
	fileStatusSkipped   fileStatus = "skipped"
)

// fileStatuses lists the accepted status values, default first. It feeds both
// the validator and the attribute's documentation.
var fileStatuses = []fileStatus{fileStatusAll, fileStatusCompleted, fileStatusFailed, fileStatusSkipped}

// lists returns the report lists s selects, in the order they are read.
func (s fileStatus) lists() []report.List {
	switch s {
	case fileStatusCompleted:
		return []report.List{report.ListCompleted}
	case fileStatusFailed:
		return []report.List{report.ListFailed}
	case fileStatusSkipped:
		return []report.List{report.ListSkipped}
	default:
		return []report.List{report.ListCompleted, report.ListFailed, report.ListSkipped}
	}
}

// errEnoughRows stops reading a file list once one row more than the limit
// matched: that row only proves the result is truncated.
var errEnoughRows = errors.New("enough rows")

// reportLocationCheck accepts what a job's report_location looks like.
var reportLocationCheck = stringCheck{"report location", func(s string) error {
	_, _, err := report.ParseLocation(s)
	return err
}}

var runIDPattern = regexp.MustCompile(`^[^/]+$`)

// NewReportDataSource returns the ossmigrate_report data source.
func NewReportDataSource() datasource.DataSource { return &reportDataSource{} }

// reportDataSource reads a run's summary and file rows from a job's report.
type reportDataSource struct {
	data *providerData
	// newEngine builds the engine for one read; tests may replace it.
	newEngine engineFactory
}

func (d *reportDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_report"
}

// Schema describes the data source; its descriptions are the user documentation.
func (d *reportDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	location := func(side string) schema.SingleNestedAttribute {
		return schema.SingleNestedAttribute{
			MarkdownDescription: "The run's " + side + ".",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"bucket": computedString("Name of the " + side + " bucket."),
				"prefix": computedString("Key prefix within the " + side + " bucket; empty for the whole bucket."),
				"region": computedString("OSS region ID of the " + side + " bucket."),
			},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the report an `ossmigrate_job` writes for each run: the run's summary (status, times, " +
			"file and byte counts, live progress while it runs) and the rows of its file lists (completed, failed and skipped " +
			"objects, with their errors or skip reasons), filtered by status and key prefix.\n\n" +
			"To read the run that the same `terraform apply` makes, set `run_id = ossmigrate_job.<name>.run_id`: the run ID is " +
			"unknown until the job has run, so Terraform reads the report after the apply. With `location` alone (known at plan " +
			"time) the report is read while planning, which fails for a job that has not run yet and shows the previous run " +
			"of one about to run again.",
		Attributes: map[string]schema.Attribute{
			// Arguments.
			"location": schema.StringAttribute{
				MarkdownDescription: "Where the job's reports live: its `report_location`, `oss://<bucket>/<prefix><name>/`, " +
					"for example `oss://my-dst/.ossmigrate/nightly/`.",
				Required:   true,
				Validators: []validator.String{reportLocationCheck},
			},
			"run_id": schema.StringAttribute{
				MarkdownDescription: "ID of the run to read, for example `20261125T031500Z-1a2b3c` (a job's `run_id`). " +
					"Unset: the job's newest run, as its `latest.json` names it.",
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.RegexMatches(runIDPattern,
					"must be a run ID such as 20261125T031500Z-1a2b3c, without \"/\"")},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Which file rows to return: " + markdownList(fileStatuses) + ". `" + string(fileStatusAll) +
					"` (default) returns the rows of the completed, then the failed, then the skipped list; `" +
					string(fileStatusCompleted) + "` the objects migrated and verified; `" + string(fileStatusFailed) +
					"` the objects that could not be migrated, with the error; `" + string(fileStatusSkipped) + "` the objects " +
					"not migrated on purpose (up to date at the destination, filtered out, or archived), with the reason.",
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.OneOf(stringList(fileStatuses)...)},
			},
			"key_prefix": schema.StringAttribute{
				MarkdownDescription: "Return only rows whose source key starts with this string (the full key, source prefix " +
					"included). Unset: every row.",
				Optional: true,
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Return at most this many rows in `files` (default %d, at most %d), the first "+
					"in report order; `files_truncated` tells whether more matched. 0 returns the summary only.",
					defaultReportRowLimit, maxReportRowLimit),
				Optional: true, Computed: true,
				Validators: []validator.Int64{int64validator.Between(0, maxReportRowLimit)},
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "OSS region ID of the report bucket, for example `cn-hangzhou`. Defaults to the provider's `region`.",
				Optional:            true,
				Validators:          []validator.String{regionCheck},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Endpoint used to reach the report bucket instead of the region's public one. Defaults to the " +
					"provider's `endpoint` when `region` is unset or equals the provider's. Plain `http://` is accepted only for " +
					"loopback addresses.",
				Optional:   true,
				Validators: []validator.String{endpointCheck},
			},
			"credentials": schema.StringAttribute{
				MarkdownDescription: "Name of a `credentials` block of the provider whose keys may read the report bucket. " +
					"Defaults to the provider's own credentials.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},

			// Summary.
			"id":             computedString("The run's report directory, `<location><run id>`."),
			"job":            computedString("Name of the job, from `location`."),
			"run_status":     computedString("Status of the run: `" + report.StatusRunning + "` (still copying; the counts and `progress` are live), `" + report.StatusFinished + "`, `" + report.StatusFailed + "` (more failures than the job's `max_failed_files`, or a fatal error) or `" + report.StatusInterrupted + "` (cancelled or timed out)."),
			"started_at":     computedString("When the run started (RFC 3339)."),
			"finished_at":    computedString("When the run ended (RFC 3339); null while it runs."),
			"updated_at":     computedString("When the report was last written (RFC 3339). While the run goes on, the summary is rewritten periodically."),
			"planned_files":  computedInt("Objects the run set out to copy."),
			"planned_bytes":  computedInt("Bytes of the objects in `planned_files`."),
			"total_files":    computedInt("Source objects the run considered (after the prefix, before filters)."),
			"total_bytes":    computedInt("Bytes of the objects in `total_files`."),
			"migrated_count": computedInt("Objects the run migrated and verified."),
			"migrated_bytes": computedInt("Bytes of the objects in `migrated_count`."),
			"skipped_count":  computedInt("Objects the run did not migrate on purpose: up to date at the destination, filtered out, or archived."),
			"skipped_bytes":  computedInt("Bytes of the objects in `skipped_count`."),
			"failed_count":   computedInt("Objects the run could not migrate."),
			"failed_bytes":   computedInt("Bytes of the objects in `failed_count`."),
			"progress": schema.SingleNestedAttribute{
				MarkdownDescription: "How far the run has got. While it runs, this is the live progress the job writes periodically; " +
					"afterwards, the final values.",
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"files_done":       computedInt("Objects done (migrated, skipped or failed)."),
					"bytes_done":       computedInt("Bytes migrated."),
					"bytes_per_second": schema.Float64Attribute{MarkdownDescription: "Average copy rate since the run started, in bytes per second.", Computed: true},
					"eta_seconds":      computedInt("Estimated seconds until the planned bytes not yet migrated are copied at the average rate; 0 when unknown. Meaningful while the run goes on."),
				},
			},
			"copy_method": computedString("How the run copied: `server_side`, `stream`, `mixed` or `none`."),
			"error":       computedString("The error that stopped the run; null when none did (failures of single objects are in the failed rows)."),
			"source":      location("source"),
			"destination": location("destination"),

			// Rows.
			"files": schema.ListNestedAttribute{
				MarkdownDescription: "The matching file rows, at most `limit`: list by list as `status` says, each list in the order " +
					"the run recorded its objects (completed objects in the order they finished).",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"status":          computedString("Which list the row is in: `completed`, `failed` or `skipped`."),
					"source_key":      computedString("Key of the source object."),
					"destination_key": computedString("Key the object has (or would have) at the destination."),
					"size":            computedInt("Size of the object in bytes."),
					"crc64":           computedString("CRC-64 (ECMA) of the object as a decimal string, as OSS reports it in `x-oss-hash-crc64ecma`; null when unknown."),
					"last_modified":   computedString("Last-modified time of the object (RFC 3339); null when unknown."),
					"etag":            computedString("ETag of the object; null when unknown."),
					"reason": computedString("Why the object failed (failed rows: the error) or was skipped (skipped rows: a reason starting " +
						"with `exists:` when the destination is up to date, `filtered:` when the job's `filter` excludes it, or `archived:` " +
						"when its storage class must be restored first); null for completed rows."),
				}},
			},
			"files_truncated": schema.BoolAttribute{
				MarkdownDescription: "Whether more rows matched than `limit`; the report has them all.",
				Computed:            true,
			},
		},
	}
}

// Configure takes the provider data that reaches the report bucket.
func (d *reportDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data, d.newEngine = configured(req.ProviderData, d.newEngine, &resp.Diagnostics)
}

// Read reads the run's summary, then streams its file lists keeping at most
// limit matching rows.
func (d *reportDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m reportDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "The ossmigrate provider was not configured; this is a bug in the provider.")
		return
	}
	location := m.Location.ValueString()
	if err := reportLocationCheck.check(location); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Invalid report location", "location: "+err.Error())
		return
	}
	m.applyDefaults()
	ep, diags := m.endpoint(d.data)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	runID := m.RunID.ValueString()
	tflog.Debug(ctx, "Reading migration report", map[string]any{
		"location": location, "run_id": runID, "status": m.Status.ValueString(), "key_prefix": m.KeyPrefix.ValueString(),
		"limit": m.Limit.ValueInt64(), "region": ep.Region, "endpoint": ep.Endpoint, "credentials": credentialsLabel(m.Credentials),
	})

	rr, err := d.newEngine(ctx, engine.Options{}).OpenReport(ctx, ep, location)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Migration Report", d.readFailure(&m, ep.Region, ep.Endpoint, err))
		return
	}
	defer func() { _ = rr.Close() }()
	sum, err := rr.Summary(ctx, runID)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Migration Report", d.readFailure(&m, ep.Region, ep.Endpoint, err))
		return
	}
	files, truncated, err := readReportFiles(ctx, rr, sum, fileStatus(m.Status.ValueString()).lists(),
		m.KeyPrefix.ValueString(), int(m.Limit.ValueInt64()))
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Migration Report",
			fmt.Sprintf("Read the summary of run %s at %s, but not its file lists. The report is incomplete or damaged "+
				"(for example, a run cut off while writing it); the summary's counts still hold.\n\n%s", sum.RunID, location, err))
		return
	}
	m.setSummary(location, sum)
	m.Files = files
	m.FilesTruncated = types.BoolValue(truncated)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// readFailure is the detail of a diagnostic for a summary that could not be
// read: which run at which location, what to check, then the error. It names
// the credential set, never its keys.
func (d *reportDataSource) readFailure(m *reportDataSourceModel, region, endpoint string, err error) string {
	run := "the newest run (named by latest.json)"
	checks := "- the job has run and written its report there. A job's report_location is known before its first apply: " +
		"set run_id = ossmigrate_job.<name>.run_id so that the report is read after the apply;\n"
	if id := m.RunID.ValueString(); id != "" {
		run = fmt.Sprintf("run %q", id)
		checks += fmt.Sprintf("- %q is one of the job's run IDs;\n", id)
	}
	if endpoint == "" {
		endpoint = "the region's public endpoint"
	}
	bucket, _, _ := report.ParseLocation(m.Location.ValueString())
	checks += fmt.Sprintf("- region %q, endpoint %s and credentials %q reach bucket %q and may read it.",
		region, endpoint, credentialsLabel(m.Credentials), bucket)
	if d.data.configUnknown {
		checks += " The provider configuration depends on values not known yet, so it may be incomplete now."
	}
	return fmt.Sprintf("Could not read the report of %s at %s. Check that:\n%s\n\n%s", run, m.Location.ValueString(), checks, err)
}

// reportRows streams one list of a run's report; *engine.ReportReader is one.
type reportRows interface {
	Rows(ctx context.Context, s report.Summary, list report.List, fn func(report.Row) error) error
}

// readReportFiles returns the first limit rows of lists (in that order) whose
// source key starts with keyPrefix, and whether more matched. It holds at
// most limit rows and stops reading at the first match beyond them.
func readReportFiles(ctx context.Context, src reportRows, sum report.Summary, lists []report.List, keyPrefix string, limit int) ([]reportFileModel, bool, error) {
	rows := []reportFileModel{}
	for _, list := range lists {
		more, err := firstRows(ctx, src, sum, list, limit-len(rows),
			func(row report.Row) bool { return strings.HasPrefix(row.SourceKey, keyPrefix) },
			func(row report.Row) { rows = append(rows, fileModelFromRow(list, row)) })
		if err != nil {
			return nil, false, fmt.Errorf("%s list: %w", list, err)
		}
		if more {
			return rows, true, nil
		}
	}
	return rows, false, nil
}

// firstRows hands add the first limit rows of list that keep accepts and
// stops reading at the first one beyond them; more says whether there was.
func firstRows(ctx context.Context, src reportRows, sum report.Summary, list report.List, limit int,
	keep func(report.Row) bool, add func(report.Row)) (more bool, err error) {
	n := 0
	err = src.Rows(ctx, sum, list, func(row report.Row) error {
		if !keep(row) {
			return nil
		}
		if n >= limit {
			return errEnoughRows
		}
		n++
		add(row)
		return nil
	})
	if errors.Is(err, errEnoughRows) {
		return true, nil
	}
	return false, err
}

// fileModelFromRow converts a report row of list; values the report does not
// have are null.
func fileModelFromRow(list report.List, row report.Row) reportFileModel {
	f := reportFileModel{
		Status:         types.StringValue(string(list)),
		SourceKey:      types.StringValue(row.SourceKey),
		DestinationKey: optionalString(row.DestinationKey),
		Size:           types.Int64Value(row.Size),
		CRC64:          types.StringNull(),
		LastModified:   formatTime(row.LastModified),
		ETag:           optionalString(row.ETag),
		Reason:         optionalString(row.Reason),
	}
	if row.HasCRC64 {
		f.CRC64 = types.StringValue(strconv.FormatUint(row.CRC64, 10))
	}
	return f
}

// optionalString is null for "".
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// applyDefaults fills the optional arguments that have a default.
func (m *reportDataSourceModel) applyDefaults() {
	if m.Status.IsNull() || m.Status.IsUnknown() {
		m.Status = types.StringValue(string(fileStatusAll))
	}
	if m.Limit.IsNull() || m.Limit.IsUnknown() {
		m.Limit = types.Int64Value(defaultReportRowLimit)
	}
}

// endpoint resolves where the report bucket is reached, as a job's source
// block would be; problems are attribute errors on the argument at fault.
func (m *reportDataSourceModel) endpoint(pd *providerData) (storage.Endpoint, diag.Diagnostics) {
	var diags diag.Diagnostics
	ep, err := pd.endpointFor("", "", m.Region.ValueString(), m.Endpoint.ValueString(), m.Credentials.ValueString())
	if err != nil {
		addLocationError(&diags, "", err)
	}
	return ep, diags
}

// setSummary writes a run's summary into the computed attributes.
func (m *reportDataSourceModel) setSummary(location string, s report.Summary) {
	m.ID = types.StringValue(location + s.RunID)
	m.RunID = types.StringValue(s.RunID)
	m.Job = types.StringValue(s.Job)
	m.RunStatus = types.StringValue(s.Status)
	m.StartedAt = formatTime(s.StartedAt)
	m.FinishedAt = types.StringNull()
	if s.FinishedAt != nil {
		m.FinishedAt = formatTime(*s.FinishedAt)
	}
	m.UpdatedAt = formatTime(s.UpdatedAt)
	m.PlannedFiles, m.PlannedBytes = types.Int64Value(s.Planned.Files), types.Int64Value(s.Planned.Bytes)
	m.TotalFiles, m.TotalBytes = types.Int64Value(s.Total.Files), types.Int64Value(s.Total.Bytes)
	m.MigratedFiles, m.MigratedBytes = types.Int64Value(s.Migrated.Files), types.Int64Value(s.Migrated.Bytes)
	m.SkippedFiles, m.SkippedBytes = types.Int64Value(s.Skipped.Files), types.Int64Value(s.Skipped.Bytes)
	m.FailedFiles, m.FailedBytes = types.Int64Value(s.Failed.Files), types.Int64Value(s.Failed.Bytes)
	m.Progress = &reportProgressModel{
		FilesDone:      types.Int64Value(s.Progress.FilesDone),
		BytesDone:      types.Int64Value(s.Progress.BytesDone),
		BytesPerSecond: types.Float64Value(s.Progress.BytesPerSecond),
		ETASeconds:     types.Int64Value(s.Progress.ETASeconds),
	}
	m.CopyMethod = optionalString(s.CopyMethod)
	m.Error = optionalString(s.Error)
	m.Source = reportLocationValue(s.Source)
	m.Destination = reportLocationValue(s.Destination)
}

func reportLocationValue(l report.Location) *reportLocationModel {
	return &reportLocationModel{Bucket: types.StringValue(l.Bucket), Prefix: types.StringValue(l.Prefix), Region: types.StringValue(l.Region)}
}

// reportDataSourceModel is ossmigrate_report's configuration and state.
type reportDataSourceModel struct {
	Location    types.String `tfsdk:"location"`
	RunID       types.String `tfsdk:"run_id"`
	Status      types.String `tfsdk:"status"`
	KeyPrefix   types.String `tfsdk:"key_prefix"`
	Limit       types.Int64  `tfsdk:"limit"`
	Region      types.String `tfsdk:"region"`
	Endpoint    types.String `tfsdk:"endpoint"`
	Credentials types.String `tfsdk:"credentials"`

	ID             types.String         `tfsdk:"id"`
	Job            types.String         `tfsdk:"job"`
	RunStatus      types.String         `tfsdk:"run_status"`
	StartedAt      types.String         `tfsdk:"started_at"`
	FinishedAt     types.String         `tfsdk:"finished_at"`
	UpdatedAt      types.String         `tfsdk:"updated_at"`
	PlannedFiles   types.Int64          `tfsdk:"planned_files"`
	PlannedBytes   types.Int64          `tfsdk:"planned_bytes"`
	TotalFiles     types.Int64          `tfsdk:"total_files"`
	TotalBytes     types.Int64          `tfsdk:"total_bytes"`
	MigratedFiles  types.Int64          `tfsdk:"migrated_count"`
	MigratedBytes  types.Int64          `tfsdk:"migrated_bytes"`
	SkippedFiles   types.Int64          `tfsdk:"skipped_count"`
	SkippedBytes   types.Int64          `tfsdk:"skipped_bytes"`
	FailedFiles    types.Int64          `tfsdk:"failed_count"`
	FailedBytes    types.Int64          `tfsdk:"failed_bytes"`
	Progress       *reportProgressModel `tfsdk:"progress"`
	CopyMethod     types.String         `tfsdk:"copy_method"`
	Error          types.String         `tfsdk:"error"`
	Source         *reportLocationModel `tfsdk:"source"`
	Destination    *reportLocationModel `tfsdk:"destination"`
	Files          []reportFileModel    `tfsdk:"files"`
	FilesTruncated types.Bool           `tfsdk:"files_truncated"`
}

// reportProgressModel is the progress attribute.
type reportProgressModel struct {
	FilesDone      types.Int64   `tfsdk:"files_done"`
	BytesDone      types.Int64   `tfsdk:"bytes_done"`
	BytesPerSecond types.Float64 `tfsdk:"bytes_per_second"`
	ETASeconds     types.Int64   `tfsdk:"eta_seconds"`
}

// reportLocationModel is the source and destination attributes.
type reportLocationModel struct {
	Bucket types.String `tfsdk:"bucket"`
	Prefix types.String `tfsdk:"prefix"`
	Region types.String `tfsdk:"region"`
}

// reportFileModel is one element of files.
type reportFileModel struct {
	Status         types.String `tfsdk:"status"`
	SourceKey      types.String `tfsdk:"source_key"`
	DestinationKey types.String `tfsdk:"destination_key"`
	Size           types.Int64  `tfsdk:"size"`
	CRC64          types.String `tfsdk:"crc64"`
	LastModified   types.String `tfsdk:"last_modified"`
	ETag           types.String `tfsdk:"etag"`
	Reason         types.String `tfsdk:"reason"`
}
