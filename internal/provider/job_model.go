package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
)

// jobModel is ossmigrate_job's configuration and state.
type jobModel struct {
	ID                types.String      `tfsdk:"id"`
	Name              types.String      `tfsdk:"name"`
	Source            *sourceModel      `tfsdk:"source"`
	Destination       *destinationModel `tfsdk:"destination"`
	Overwrite         types.String      `tfsdk:"overwrite"`
	Verify            types.String      `tfsdk:"verify"`
	CopyMethod        types.String      `tfsdk:"copy_method"`
	Filter            *filterModel      `tfsdk:"filter"`
	Limits            *limitsModel      `tfsdk:"limits"`
	Report            *reportModel      `tfsdk:"report"`
	MaxFailedFiles    types.Int64       `tfsdk:"max_failed_files"`
	AllowCrossCountry types.Bool        `tfsdk:"allow_cross_country"`
	Incremental       types.Bool        `tfsdk:"incremental"`
	PlanDryRun        types.Bool        `tfsdk:"plan_dry_run"`
	Triggers          types.Map         `tfsdk:"triggers"`
	Timeouts          timeouts.Value    `tfsdk:"timeouts"`

	RunID          types.String `tfsdk:"run_id"`
	Status         types.String `tfsdk:"status"`
	StartedAt      types.String `tfsdk:"started_at"`
	FinishedAt     types.String `tfsdk:"finished_at"`
	PlannedFiles   types.Int64  `tfsdk:"planned_files"`
	PlannedBytes   types.Int64  `tfsdk:"planned_bytes"`
	PlannedKeys    types.List   `tfsdk:"planned_keys"`
	TotalFiles     types.Int64  `tfsdk:"total_files"`
	TotalBytes     types.Int64  `tfsdk:"total_bytes"`
	MigratedFiles  types.List   `tfsdk:"migrated_files"`
	MigratedCount  types.Int64  `tfsdk:"migrated_count"`
	MigratedBytes  types.Int64  `tfsdk:"migrated_bytes"`
	SkippedCount   types.Int64  `tfsdk:"skipped_count"`
	ArchivedFiles  types.List   `tfsdk:"archived_files"`
	FailedFiles    types.List   `tfsdk:"failed_files"`
	FailedCount    types.Int64  `tfsdk:"failed_count"`
	FilesTruncated types.Bool   `tfsdk:"files_truncated"`
	ReportLocation types.String `tfsdk:"report_location"`
	CopyMethodUsed types.String `tfsdk:"copy_method_used"`
}

type sourceModel struct {
	Bucket      types.String `tfsdk:"bucket"`
	Prefix      types.String `tfsdk:"prefix"`
	Region      types.String `tfsdk:"region"`
	Endpoint    types.String `tfsdk:"endpoint"`
	Credentials types.String `tfsdk:"credentials"`
}

type destinationModel struct {
	Bucket       types.String `tfsdk:"bucket"`
	Prefix       types.String `tfsdk:"prefix"`
	Region       types.String `tfsdk:"region"`
	Endpoint     types.String `tfsdk:"endpoint"`
	Credentials  types.String `tfsdk:"credentials"`
	StorageClass types.String `tfsdk:"storage_class"`
}

type filterModel struct {
	Include        types.List   `tfsdk:"include"`
	Exclude        types.List   `tfsdk:"exclude"`
	ModifiedAfter  types.String `tfsdk:"modified_after"`
	ModifiedBefore types.String `tfsdk:"modified_before"`
	MinSize        types.Int64  `tfsdk:"min_size"`
	MaxSize        types.Int64  `tfsdk:"max_size"`
}

type limitsModel struct {
	Parallelism        types.Int64     `tfsdk:"parallelism"`
	MaxBytesPerSecond  types.Int64     `tfsdk:"max_bytes_per_second"`
	MaxFilesPerSecond  types.Float64   `tfsdk:"max_files_per_second"`
	PartSize           types.Int64     `tfsdk:"part_size"`
	MultipartThreshold types.Int64     `tfsdk:"multipart_threshold"`
	TimeZone           types.String    `tfsdk:"time_zone"`
	Schedule           []scheduleModel `tfsdk:"schedule"`
}

type scheduleModel struct {
	Start             types.String `tfsdk:"start"`
	End               types.String `tfsdk:"end"`
	MaxBytesPerSecond types.Int64  `tfsdk:"max_bytes_per_second"`
}

type reportModel struct {
	Bucket      types.String `tfsdk:"bucket"`
	Prefix      types.String `tfsdk:"prefix"`
	Region      types.String `tfsdk:"region"`
	Endpoint    types.String `tfsdk:"endpoint"`
	Credentials types.String `tfsdk:"credentials"`
	StateLimit  types.Int64  `tfsdk:"state_limit"`
}

var failedFileType = types.ObjectType{AttrTypes: map[string]attr.Type{"key": types.StringType, "error": types.StringType}}

const defaultStateLimit = 1000

// stateLimit is how many keys the state keeps per list.
func (m *jobModel) stateLimit() int {
	if m.Report != nil && !m.Report.StateLimit.IsNull() && !m.Report.StateLimit.IsUnknown() {
		return int(m.Report.StateLimit.ValueInt64())
	}
	return defaultStateLimit
}

// reportPrefix is the configured report prefix or the default.
func (m *jobModel) reportPrefix() string {
	if m.Report != nil && m.Report.Prefix.ValueString() != "" {
		p := m.Report.Prefix.ValueString()
		if p[len(p)-1] != '/' {
			p += "/"
		}
		return p
	}
	return engine.DefaultReportPrefix
}

// reportBucket is the configured report bucket or the destination bucket.
func (m *jobModel) reportBucket() string {
	if m.Report != nil && m.Report.Bucket.ValueString() != "" {
		return m.Report.Bucket.ValueString()
	}
	if m.Destination == nil {
		return ""
	}
	return m.Destination.Bucket.ValueString()
}

// reportLocation is where this job's reports live, known from configuration.
func (m *jobModel) reportLocation() string {
	return report.FormatLocation(m.reportBucket(), m.reportPrefix(), m.Name.ValueString())
}

// toEngineSpec maps the configuration onto an engine job spec, resolving
// regions, endpoints and credential sets through the provider's data.
// Problems are attribute errors on the attribute at fault.
func (m *jobModel) toEngineSpec(ctx context.Context, pd *providerData) (engine.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := engine.Spec{
		Name:              m.Name.ValueString(),
		Overwrite:         engine.OverwriteMode(m.Overwrite.ValueString()),
		Verify:            engine.VerifyMode(m.Verify.ValueString()),
		CopyMethod:        engine.CopyMethod(m.CopyMethod.ValueString()),
		MaxFailedFiles:    int(m.MaxFailedFiles.ValueInt64()),
		AllowCrossCountry: m.AllowCrossCountry.ValueBool(),
	}
	if m.Source == nil || m.Destination == nil {
		diags.AddError("Missing Source or Destination", "A job needs a source block and a destination block.")
		return spec, diags
	}
	src, err := pd.endpointFor("source", m.Source.Bucket.ValueString(), m.Source.Region.ValueString(), m.Source.Endpoint.ValueString(), m.Source.Credentials.ValueString())
	if err != nil {
		addLocationError(&diags, "source", err)
	}
	dst, dstErr := pd.endpointFor("destination", m.Destination.Bucket.ValueString(), m.Destination.Region.ValueString(), m.Destination.Endpoint.ValueString(), m.Destination.Credentials.ValueString())
	if dstErr != nil {
		addLocationError(&diags, "destination", dstErr)
	}
	spec.Source = engine.Location{Endpoint: src, Prefix: m.Source.Prefix.ValueString(), CredentialsName: credentialsLabel(m.Source.Credentials)}
	spec.Destination = engine.Location{Endpoint: dst, Prefix: m.Destination.Prefix.ValueString(), CredentialsName: credentialsLabel(m.Destination.Credentials)}
	spec.StorageClass = m.Destination.StorageClass.ValueString()

	if f := m.Filter; f != nil {
		diags.Append(f.Include.ElementsAs(ctx, &spec.Filter.Include, false)...)
		diags.Append(f.Exclude.ElementsAs(ctx, &spec.Filter.Exclude, false)...)
		spec.Filter.ModifiedAfter = parseTimeOrZero(f.ModifiedAfter)
		spec.Filter.ModifiedBefore = parseTimeOrZero(f.ModifiedBefore)
		spec.Filter.MinSize = f.MinSize.ValueInt64()
		spec.Filter.MaxSize = f.MaxSize.ValueInt64()
	}
	if l := m.Limits; l != nil {
		spec.Limits.Parallelism = int(l.Parallelism.ValueInt64())
		spec.Limits.BytesPerSecond = l.MaxBytesPerSecond.ValueInt64()
		spec.Limits.FilesPerSecond = l.MaxFilesPerSecond.ValueFloat64()
		spec.PartSize = l.PartSize.ValueInt64()
		spec.MultipartThreshold = l.MultipartThreshold.ValueInt64()
		if tz := l.TimeZone.ValueString(); tz != "" {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				diags.AddAttributeError(path.Root("limits").AtName("time_zone"), "Invalid Time Zone", err.Error())
			}
			spec.Limits.TimeZone = loc
		}
		for _, w := range l.Schedule {
			start, _ := engine.ParseTimeOfDay(w.Start.ValueString())
			end, _ := engine.ParseTimeOfDay(w.End.ValueString())
			spec.Limits.Schedule = append(spec.Limits.Schedule, engine.Window{Start: start, End: end, BytesPerSecond: w.MaxBytesPerSecond.ValueInt64()})
		}
	}
	spec.Report.Prefix = m.reportPrefix()
	spec.Report.Location = dst
	// The report location inherits from the destination: with the
	// destination in error, its own error would mostly repeat that one.
	if r := m.Report; dstErr == nil && r != nil && (r.Bucket.ValueString() != "" || r.Region.ValueString() != "" || r.Endpoint.ValueString() != "" || r.Credentials.ValueString() != "") {
		region := firstNonEmpty(r.Region.ValueString(), dst.Region)
		endpoint := r.Endpoint.ValueString()
		if endpoint == "" && region == dst.Region {
			endpoint = dst.Endpoint
		}
		cred := firstNonEmpty(r.Credentials.ValueString(), m.Destination.Credentials.ValueString())
		ep, err := pd.endpointFor("report", m.reportBucket(), region, endpoint, cred)
		if err != nil {
			addLocationError(&diags, "report", err)
		}
		spec.Report.Location = ep
	}
	return spec, diags
}

func credentialsLabel(v types.String) string {
	if v.ValueString() == "" {
		return defaultCredentialsName
	}
	return v.ValueString()
}

func parseTimeOrZero(v types.String) time.Time {
	t, err := time.Parse(time.RFC3339, v.ValueString())
	if err != nil {
		return time.Time{}
	}
	return t
}

func formatTime(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

func stringListValue(values []string) types.List {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// setRunOutcome writes a run's result into the state model.
func (m *jobModel) setRunOutcome(res *engine.Result) {
	limit := m.stateLimit()
	m.RunID = types.StringValue(res.RunID)
	m.Status = types.StringValue(res.Status)
	m.StartedAt = formatTime(res.StartedAt)
	m.FinishedAt = formatTime(res.FinishedAt)
	m.TotalFiles = types.Int64Value(res.Total.Files)
	m.TotalBytes = types.Int64Value(res.Total.Bytes)
	m.MigratedCount = types.Int64Value(res.Migrated.Files)
	m.MigratedBytes = types.Int64Value(res.Migrated.Bytes)
	m.SkippedCount = types.Int64Value(res.Skipped.Files)
	m.FailedCount = types.Int64Value(res.Failed.Files)
	m.CopyMethodUsed = types.StringValue(res.CopyMethod)
	m.ReportLocation = types.StringValue(res.ReportLocation)
	m.ID = m.ReportLocation

	migrated, moreMigrated := firstSorted(res.MigratedKeys, limit)
	archived, moreArchived := firstSorted(res.SkippedArchived, limit)
	m.MigratedFiles = stringListValue(migrated)
	m.ArchivedFiles = stringListValue(archived)
	failed := res.FailedFiles
	moreFailed := res.FailedTruncated
	if len(failed) > limit {
		failed, moreFailed = failed[:limit], true
	}
	m.FailedFiles = failedFilesValue(failed)
	m.FilesTruncated = types.BoolValue(moreMigrated || moreArchived || moreFailed || res.MigratedTruncated || res.ArchivedTruncated)
}

// firstSorted returns the first n keys, sorted for a stable, readable state.
func firstSorted(keys []string, n int) ([]string, bool) {
	more := len(keys) > n
	if more {
		keys = keys[:n]
	}
	out := append([]string(nil), keys...)
	sort.Strings(out)
	return out, more
}

func failedFilesValue(files []engine.FailedFile) types.List {
	sorted := append([]engine.FailedFile(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	elems := make([]attr.Value, len(sorted))
	for i, f := range sorted {
		elems[i] = types.ObjectValueMust(failedFileType.AttrTypes, map[string]attr.Value{
			"key": types.StringValue(f.Key), "error": types.StringValue(f.Error),
		})
	}
	return types.ListValueMust(failedFileType, elems)
}

// setPlanned writes a dry run's findings.
func (m *jobModel) setPlanned(p pendingPlan) {
	m.PlannedFiles = types.Int64Value(p.Files)
	m.PlannedBytes = types.Int64Value(p.Bytes)
	m.PlannedKeys = stringListValue(p.Keys)
}

// unknownPlanned marks the dry-run attributes as known only after apply.
func (m *jobModel) unknownPlanned() {
	m.PlannedFiles = types.Int64Unknown()
	m.PlannedBytes = types.Int64Unknown()
	m.PlannedKeys = types.ListUnknown(types.StringType)
}

// unknownOutcome marks what a run produces as known only after apply.
func (m *jobModel) unknownOutcome() {
	m.RunID = types.StringUnknown()
	m.Status = types.StringUnknown()
	m.StartedAt = types.StringUnknown()
	m.FinishedAt = types.StringUnknown()
	m.TotalFiles = types.Int64Unknown()
	m.TotalBytes = types.Int64Unknown()
	m.MigratedFiles = types.ListUnknown(types.StringType)
	m.MigratedCount = types.Int64Unknown()
	m.MigratedBytes = types.Int64Unknown()
	m.SkippedCount = types.Int64Unknown()
	m.ArchivedFiles = types.ListUnknown(types.StringType)
	m.FailedFiles = types.ListUnknown(failedFileType)
	m.FailedCount = types.Int64Unknown()
	m.FilesTruncated = types.BoolUnknown()
	m.CopyMethodUsed = types.StringUnknown()
}

// describeFailures names the first failed objects for a diagnostic.
func describeFailures(res *engine.Result, n int) string {
	s := ""
	for i, f := range res.FailedFiles {
		if i == n {
			s += fmt.Sprintf("  ... and %d more (see the failed list in the report)\n", res.Failed.Files-int64(n))
			break
		}
		s += fmt.Sprintf("  - %s: %s\n", f.Key, f.Error)
	}
	return s
}
