package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
)

var (
	_ resource.Resource                   = (*jobResource)(nil)
	_ resource.ResourceWithConfigure      = (*jobResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*jobResource)(nil)
	_ resource.ResourceWithValidateConfig = (*jobResource)(nil)
	_ resource.ResourceWithImportState    = (*jobResource)(nil)
)

// Default timeouts of a run.
const (
	defaultRunTimeout = 6 * time.Hour
	// pendingKey is the private state key holding the last refresh's dry
	// run (pendingPlan as JSON).
	pendingKey = "pending"
)

// NewJobResource returns the ossmigrate_job resource.
func NewJobResource() resource.Resource { return &jobResource{} }

// jobResource runs a migration on apply and keeps its outcome in state.
type jobResource struct {
	data *providerData
	// newEngine builds the engine for one call; tests replace it.
	newEngine engineFactory
}

func (r *jobResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job"
}

func (r *jobResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data, r.newEngine = configured(req.ProviderData, r.newEngine, &resp.Diagnostics)
}

func locationAttributes(side string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"bucket": schema.StringAttribute{
			MarkdownDescription: "Name of the " + side + " bucket (3-63 lowercase letters, digits and hyphens).",
			Required:            true,
			Validators:          []validator.String{bucketNameCheck},
		},
		"prefix": schema.StringAttribute{
			MarkdownDescription: "Key prefix within the " + side + " bucket, treated as a directory (`logs` means `logs/`). " +
				"Empty or unset: the whole bucket. Keys keep their path relative to the source prefix.",
			Optional:   true,
			Validators: []validator.String{prefixCheck},
		},
		"region": schema.StringAttribute{
			MarkdownDescription: "OSS region ID of the " + side + " bucket, for example `cn-hangzhou`. Defaults to the provider's `region`.",
			Optional:            true,
			Validators:          []validator.String{regionCheck},
		},
		"endpoint": schema.StringAttribute{
			MarkdownDescription: "Endpoint used to reach the " + side + " bucket instead of the region's public one, for example " +
				"`https://oss-cn-hangzhou-internal.aliyuncs.com`. Plain `http://` is accepted only for loopback addresses.",
			Optional:   true,
			Validators: []validator.String{endpointCheck},
		},
		"credentials": schema.StringAttribute{
			MarkdownDescription: "Name of a `credentials` block of the provider whose keys reach the " + side + " bucket. " +
				"Defaults to the provider's own credentials.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
	}
}

func (r *jobResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	destination := locationAttributes("destination")
	destination["storage_class"] = schema.StringAttribute{
		MarkdownDescription: "Storage class of the migrated objects: " + markdownList(engine.StorageClasses) +
			". Unset: each object keeps its source's class.",
		Optional:   true,
		Validators: []validator.String{stringvalidator.OneOf(engine.StorageClasses...)},
	}
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Migrates objects from one OSS bucket (and prefix) to another, in the same or another region " +
			"or account, when Terraform applies. The plan is a dry run that shows how many files and bytes the apply will copy; " +
			"the apply copies them (server-side where it can), verifies each object's CRC-64, records the outcome in state and " +
			"writes a report next to the data. Later plans detect new and changed source objects and migrate just those. " +
			"Nothing is ever deleted from the destination or written to the source; destroying the resource keeps data and reports.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the job, 1 to 128 letters, digits, `.`, `_` and `-`: it names the report " +
					"directory (`<report prefix><name>/`). Changing it starts a new job.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 128), stringvalidator.RegexMatches(jobNamePattern, "may contain letters, digits, '.', '_' and '-' only")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"overwrite": schema.StringAttribute{
				MarkdownDescription: "When an object that already exists at the destination is replaced: " + markdownList(engine.OverwriteModes) +
					". `if_newer` (default) replaces it when the source's last-modified time is later, as Data Online Migration does; " +
					"`never` only copies missing objects; `always` replaces every destination object that differs from its source, " +
					"even a newer one. Identical objects are never copied again.",
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString(string(engine.OverwriteIfNewer)),
				Validators: []validator.String{stringvalidator.OneOf(stringList(engine.OverwriteModes)...)},
			},
			"verify": schema.StringAttribute{
				MarkdownDescription: "How each copy is checked: " + markdownList(engine.VerifyModes) + ". `crc64` (default) compares " +
					"the CRC-64 that OSS reports for source and destination, without reading data twice; `size` compares sizes.",
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString(string(engine.VerifyCRC64)),
				Validators: []validator.String{stringvalidator.OneOf(stringList(engine.VerifyModes)...)},
			},
			"copy_method": schema.StringAttribute{
				MarkdownDescription: "How bytes move: " + markdownList(engine.CopyMethods) + ". `auto` (default) copies server-side " +
					"(CopyObject, UploadPartCopy) when both buckets are in one region and falls back to streaming through this machine " +
					"when the destination account may not read the source; `server_side` never streams; `stream` always does.",
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString(string(engine.CopyAuto)),
				Validators: []validator.String{stringvalidator.OneOf(stringList(engine.CopyMethods)...)},
			},
			"max_failed_files": schema.Int64Attribute{
				MarkdownDescription: "How many objects may fail before the apply fails. Default 0: any failure fails the apply " +
					"(the state still records the run, and the next apply retries exactly the missing objects).",
				Optional: true, Computed: true,
				Default:    int64default.StaticInt64(0),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"allow_cross_country": schema.BoolAttribute{
				MarkdownDescription: "Allow a migration between regions of different countries or areas (Hong Kong counts as its own " +
					"area). Default `false`: such a job is refused at plan time, as Data Online Migration does.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(false),
			},
			"incremental": schema.BoolAttribute{
				MarkdownDescription: "Default `true`: every refresh compares source and destination again, and when new or changed " +
					"source objects exist the plan shows an in-place update that migrates just those. `false`: a finished job runs " +
					"again only when its arguments or `triggers` change.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(true),
			},
			"plan_dry_run": schema.BoolAttribute{
				MarkdownDescription: "Default `true`: plans and refreshes list both buckets (one list request per 1,000 objects " +
					"on each side, no per-object requests): the plan of a new or changed job fails on a wrong bucket, region or key " +
					"and warns what it would copy, and refreshes detect new and changed source objects (`planned_*`). " +
					"Set `false` for buckets too large to list at every plan: the planned values are then known only after apply, " +
					"and new source objects are not detected until arguments or `triggers` change.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(true),
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values; changing any of them makes the next apply run the job again.",
				ElementType:         types.StringType,
				Optional:            true,
			},

			"id": schema.StringAttribute{
				MarkdownDescription: "The job's report location, `oss://<report bucket>/<report prefix><name>/`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"report_location": schema.StringAttribute{
				MarkdownDescription: "Where the job's reports live, `oss://<bucket>/<prefix><name>/`: `latest.json` names the newest " +
					"run, and `<run id>/` holds its `summary.json` and the CSV file lists. Read it with the `ossmigrate_report` data source.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"run_id":           computedString("ID of the last run, also its directory under `report_location`."),
			"status":           computedString("Outcome of the last run: `finished`, `failed` (more failures than `max_failed_files`, or a fatal error) or `interrupted` (cancelled or timed out; the next apply resumes)."),
			"started_at":       computedString("When the last run started (RFC 3339)."),
			"finished_at":      computedString("When the last run ended (RFC 3339)."),
			"planned_files":    computedInt("Number of source objects the apply copies. In the plan of an incremental run: what the last refresh found; for a new or changed job: known after apply (the plan's dry run is a warning, as the source may change before the apply). In state: what the last run set out to copy."),
			"planned_bytes":    computedInt("Bytes the apply copies (see `planned_files`)."),
			"planned_keys":     schema.ListAttribute{MarkdownDescription: "The first source keys the apply copies (at most 20), from the same dry run as `planned_files`.", ElementType: types.StringType, Computed: true},
			"total_files":      computedInt("Source objects the last run considered (after the prefix, before filters)."),
			"total_bytes":      computedInt("Bytes of the objects in `total_files`."),
			"migrated_files":   schema.ListAttribute{MarkdownDescription: "Source keys the last run migrated and verified, sorted; at most `report.state_limit` (see `files_truncated`).", ElementType: types.StringType, Computed: true},
			"migrated_count":   computedInt("Objects the last run migrated."),
			"migrated_bytes":   computedInt("Bytes the last run migrated."),
			"skipped_count":    computedInt("Objects the last run skipped: filtered out, up to date at the destination, or archived."),
			"archived_files":   schema.ListAttribute{MarkdownDescription: "Source keys skipped because their storage class (Archive, ColdArchive, DeepColdArchive) must be restored before they can be read.", ElementType: types.StringType, Computed: true},
			"failed_count":     computedInt("Objects the last run could not migrate."),
			"files_truncated":  schema.BoolAttribute{MarkdownDescription: "Whether `migrated_files`, `archived_files` or `failed_files` were cut at `report.state_limit`; the report has them all.", Computed: true},
			"copy_method_used": computedString("How the last run copied: `server_side`, `stream`, `mixed` or `none`."),
			"failed_files": schema.ListNestedAttribute{
				MarkdownDescription: "Objects the last run could not migrate, sorted by key, with the error; at most `report.state_limit`.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"key":   schema.StringAttribute{MarkdownDescription: "Source key.", Computed: true},
					"error": schema.StringAttribute{MarkdownDescription: "Why it failed.", Computed: true},
				}},
			},
		},
		Blocks: map[string]schema.Block{
			"source": schema.SingleNestedBlock{
				MarkdownDescription: "Where objects are copied from (required).",
				Attributes:          locationAttributes("source"),
				Validators:          []validator.Object{objectvalidator.IsRequired()},
			},
			"destination": schema.SingleNestedBlock{
				MarkdownDescription: "Where objects are copied to (required). Keys keep their path relative to the source prefix.",
				Attributes:          destination,
				Validators:          []validator.Object{objectvalidator.IsRequired()},
			},
			"filter": schema.SingleNestedBlock{
				MarkdownDescription: "Which source objects to migrate. Globs match the key relative to the source prefix: `*` stays " +
					"within one path segment, `**` crosses segments (`**/` also matches none), `?` is one character, `[abc]` and `[!abc]` classes.",
				Attributes: map[string]schema.Attribute{
					"include": schema.ListAttribute{
						MarkdownDescription: "Migrate only keys matching at least one of these globs. Unset: every key.",
						ElementType:         types.StringType, Optional: true,
						Validators: []validator.List{listvalidator.ValueStringsAre(globCheck, globWarning{})},
					},
					"exclude": schema.ListAttribute{
						MarkdownDescription: "Never migrate keys matching any of these globs (exclusion wins over inclusion).",
						ElementType:         types.StringType, Optional: true,
						Validators: []validator.List{listvalidator.ValueStringsAre(globCheck, globWarning{})},
					},
					"modified_after": schema.StringAttribute{
						MarkdownDescription: "Migrate only objects last modified after this RFC 3339 time (exclusive).",
						Optional:            true, Validators: []validator.String{rfc3339Check},
					},
					"modified_before": schema.StringAttribute{
						MarkdownDescription: "Migrate only objects last modified before this RFC 3339 time (exclusive). Must be later than `modified_after`.",
						Optional:            true, Validators: []validator.String{rfc3339Check},
					},
					"min_size": schema.Int64Attribute{
						MarkdownDescription: "Migrate only objects of at least this many bytes.",
						Optional:            true, Validators: []validator.Int64{int64validator.AtLeast(0)},
					},
					"max_size": schema.Int64Attribute{
						MarkdownDescription: "Migrate only objects of at most this many bytes.",
						Optional:            true, Validators: []validator.Int64{int64validator.AtLeast(0)},
					},
				},
			},
			"limits": schema.SingleNestedBlock{
				MarkdownDescription: "How fast and how wide the apply copies, like the flow control of Data Online Migration.",
				Attributes: map[string]schema.Attribute{
					"parallelism": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("Objects copied at once (default %d); halved automatically while OSS throttles.", engine.DefaultParallelism),
						Optional:            true, Validators: []validator.Int64{int64validator.Between(1, 1000)},
					},
					"max_bytes_per_second": schema.Int64Attribute{
						MarkdownDescription: "Bandwidth limit in bytes per second outside `schedule` windows. 0 or unset: unlimited.",
						Optional:            true, Validators: []validator.Int64{int64validator.AtLeast(0)},
					},
					"max_files_per_second": schema.Float64Attribute{
						MarkdownDescription: "Limit on objects started per second; fractions are allowed (0.5: one object every two seconds). 0 or unset: unlimited.",
						Optional:            true, Validators: []validator.Float64{float64validator.AtLeast(0)},
					},
					"part_size": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("Multipart part size in bytes (default %d, 16 MiB; at least 102400). It grows when an object would need more than 10,000 parts.", engine.DefaultPartSize),
						Optional:            true, Validators: []validator.Int64{int64validator.Between(engine.MinPartSize, engine.MaxPartSize)},
					},
					"multipart_threshold": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("Objects of at least this many bytes are copied in parallel parts (default %d, 64 MiB; at least %d).", engine.DefaultMultipartThreshold, engine.MinPartSize),
						Optional:            true, Validators: []validator.Int64{int64validator.AtLeast(engine.MinPartSize)},
					},
					"time_zone": schema.StringAttribute{
						MarkdownDescription: "IANA time zone of the `schedule` times, for example `Asia/Shanghai`. Default `UTC`.",
						Optional:            true, Validators: []validator.String{timeZoneCheck},
					},
				},
				Blocks: map[string]schema.Block{
					"schedule": schema.ListNestedBlock{
						MarkdownDescription: "A daily time window with its own bandwidth limit. Windows must not overlap; a window whose " +
							"`end` is not after its `start` runs past midnight.",
						NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
							"start": schema.StringAttribute{MarkdownDescription: "Start time of day, `HH:MM`.", Required: true, Validators: []validator.String{timeOfDayCheck}},
							"end":   schema.StringAttribute{MarkdownDescription: "End time of day, `HH:MM` (`24:00` allowed).", Required: true, Validators: []validator.String{timeOfDayCheck}},
							"max_bytes_per_second": schema.Int64Attribute{
								MarkdownDescription: "Bandwidth limit during the window, in bytes per second; 0 or unset: unlimited.",
								Optional:            true, Validators: []validator.Int64{int64validator.AtLeast(0)},
							},
						}},
					},
				},
			},
			"report": schema.SingleNestedBlock{
				MarkdownDescription: "Where the migration report is written. Default: the destination bucket under `.ossmigrate/`. " +
					"The report prefix is never migrated.",
				Attributes: map[string]schema.Attribute{
					"bucket": schema.StringAttribute{
						MarkdownDescription: "Report bucket. Default: the destination bucket.", Optional: true,
						Validators:    []validator.String{bucketNameCheck},
						PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
					},
					"prefix": schema.StringAttribute{
						MarkdownDescription: "Prefix under which `<name>/` is written. Default `.ossmigrate/`.", Optional: true,
						Validators:    []validator.String{prefixCheck, stringvalidator.LengthAtLeast(1)},
						PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
					},
					"region":      schema.StringAttribute{MarkdownDescription: "Region of the report bucket. Default: the destination's.", Optional: true, Validators: []validator.String{regionCheck}},
					"endpoint":    schema.StringAttribute{MarkdownDescription: "Endpoint of the report bucket. Default: the destination's when the regions agree.", Optional: true, Validators: []validator.String{endpointCheck}},
					"credentials": schema.StringAttribute{MarkdownDescription: "Credential set for the report bucket. Default: the destination's.", Optional: true},
					"state_limit": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("How many keys `migrated_files`, `archived_files` and `failed_files` keep in state (default %d); the report always has all of them.", defaultStateLimit),
						Optional:            true, Validators: []validator.Int64{int64validator.Between(0, 100000)},
					},
				},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

var jobNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ValidateConfig checks what involves several attributes, without storage.
func (r *jobResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m jobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Source != nil && m.Destination != nil && known(m.Source.Bucket, m.Source.Prefix, m.Destination.Bucket, m.Destination.Prefix) {
		if err := engine.CheckOverlap(m.Source.Bucket.ValueString(), m.Source.Prefix.ValueString(), m.Destination.Bucket.ValueString(), m.Destination.Prefix.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("destination").AtName("prefix"), "Source and Destination Overlap", err.Error())
		}
	}
	if f := m.Filter; f != nil {
		after, before := parseTimeOrZero(f.ModifiedAfter), parseTimeOrZero(f.ModifiedBefore)
		if !after.IsZero() && !before.IsZero() && !before.After(after) {
			resp.Diagnostics.AddAttributeError(path.Root("filter").AtName("modified_before"), "Invalid Time Range",
				fmt.Sprintf("filter.modified_before (%s) must be later than filter.modified_after (%s).", f.ModifiedBefore.ValueString(), f.ModifiedAfter.ValueString()))
		}
		if known(f.MinSize, f.MaxSize) && !f.MaxSize.IsNull() && !f.MinSize.IsNull() && f.MaxSize.ValueInt64() < f.MinSize.ValueInt64() {
			resp.Diagnostics.AddAttributeError(path.Root("filter").AtName("max_size"), "Invalid Size Range",
				fmt.Sprintf("filter.max_size (%d) must not be smaller than filter.min_size (%d).", f.MaxSize.ValueInt64(), f.MinSize.ValueInt64()))
		}
	}
	if l := m.Limits; l != nil {
		var windows []engine.Window
		for i, w := range l.Schedule {
			start, err1 := engine.ParseTimeOfDay(w.Start.ValueString())
			end, err2 := engine.ParseTimeOfDay(w.End.ValueString())
			if err1 != nil || err2 != nil {
				continue // the attribute validators report these
			}
			p := path.Root("limits").AtName("schedule").AtListIndex(i)
			if start == end {
				resp.Diagnostics.AddAttributeError(p.AtName("end"), "Empty Schedule Window", "A schedule window's start and end must differ.")
				continue
			}
			cur := engine.Window{Start: start, End: end}
			for j, prev := range windows {
				if engine.WindowsOverlap(prev, cur) {
					resp.Diagnostics.AddAttributeError(p, "Overlapping Schedule Windows",
						fmt.Sprintf("limits.schedule[%d] (%s-%s) overlaps limits.schedule[%d]; windows must not overlap.", i, w.Start.ValueString(), w.End.ValueString(), j))
				}
			}
			windows = append(windows, cur)
		}
	}
}

// known reports whether every value is known (null counts as known).
func known(values ...interface{ IsUnknown() bool }) bool {
	for _, v := range values {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// ModifyPlan makes the plan a dry run. For an unchanged job it plans a run
// when the last refresh found files to copy (planned_* are that refresh's
// findings) or the last run did not finish. For a new or changed job it
// lists both buckets, which finds wrong buckets, regions and keys at plan
// time, and reports what it found in a warning; planned_* stay unknown until
// the apply: Terraform plans again when it applies and refuses values that
// differ from the first plan's, and a live source changes in between.
func (r *jobResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan jobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *jobModel
	if !req.State.Raw.IsNull() {
		state = &jobModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if plan.Source == nil || plan.Destination == nil || !req.Config.Raw.IsFullyKnown() || r.data.configUnknown {
		// Values from resources not created yet: nothing can be checked or listed now.
		if state == nil || runArgumentsChanged(&plan, state) {
			plan.unknownPlanned()
			plan.unknownOutcome()
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		}
		return
	}
	spec, diags := plan.toEngineSpec(ctx, r.data)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.checkRegions(&plan, spec, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ReportLocation = types.StringValue(plan.reportLocation())
	plan.ID = plan.ReportLocation

	if state != nil && !runArgumentsChanged(&plan, state) {
		copyOutcome(&plan, state)
		pending := readPending(ctx, req.Private, &resp.Diagnostics)
		run := state.Status.ValueString() != report.StatusFinished
		if pending != nil && pending.Files > 0 && plan.Incremental.ValueBool() && plan.PlanDryRun.ValueBool() {
			plan.setPlanned(*pending)
			run = true
		}
		if run {
			tflog.Info(ctx, "Planning a run of an unchanged job", map[string]any{"job": plan.Name.ValueString(), "planned_files": plan.PlannedFiles.ValueInt64(), "last_status": state.Status.ValueString()})
			plan.unknownOutcome()
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	plan.unknownOutcome()
	plan.unknownPlanned()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if !plan.PlanDryRun.ValueBool() {
		return
	}
	res, err := r.newEngine(ctx, engine.Options{}).Plan(ctx, spec)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Plan Migration",
			fmt.Sprintf("Listing %s (credentials %q) and %s (credentials %q) for job %q failed. Check that both buckets exist, "+
				"that the regions and credentials are right, or set plan_dry_run = false to plan without listing.\n\n%s",
				bucketPath(spec.Source), spec.Source.CredentialsName, bucketPath(spec.Destination), spec.Destination.CredentialsName, spec.Name, err))
		return
	}
	first := ""
	if len(res.FirstKeys) > 0 {
		first = fmt.Sprintf(" The first: %s.", strings.Join(res.FirstKeys[:min(5, len(res.FirstKeys))], ", "))
	}
	resp.Diagnostics.AddWarning("Migration Dry Run",
		fmt.Sprintf("Job %q would copy %d of the %d source files now (%d bytes).%s planned_files, planned_bytes and planned_keys "+
			"are known after apply: the apply counts again, as the source may change before it runs.",
			spec.Name, res.CopyFiles, res.SourceFiles, res.CopyBytes, first))
}

// checkRegions reports a cross-country job on the attribute at fault. The
// regions themselves are known: their validators and the provider's
// configuration checked them.
func (r *jobResource) checkRegions(plan *jobModel, spec engine.Spec, resp *resource.ModifyPlanResponse) {
	if !plan.AllowCrossCountry.ValueBool() {
		if err := engine.CheckCountries(spec.Source.Region, spec.Destination.Region); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("destination").AtName("region"), "Cross-Country Migration Not Allowed", err.Error()+".")
		}
	}
}

func bucketPath(l engine.Location) string { return "oss://" + l.Bucket + "/" + l.Prefix }

// equalJSON compares two argument blocks value by value (nil: block absent).
func equalJSON[T any](a, b *T) bool { return reflect.DeepEqual(a, b) }

// runArgumentsChanged reports whether an argument that changes what a run
// does differs between plan and state (timeouts, incremental, plan_dry_run
// and report.state_limit do not).
func runArgumentsChanged(plan, state *jobModel) bool {
	return !plan.Name.Equal(state.Name) || !equalJSON(plan.Source, state.Source) || !equalJSON(plan.Destination, state.Destination) ||
		!plan.Overwrite.Equal(state.Overwrite) || !plan.Verify.Equal(state.Verify) || !plan.CopyMethod.Equal(state.CopyMethod) ||
		!equalJSON(plan.Filter, state.Filter) || !equalJSON(plan.Limits, state.Limits) ||
		!equalJSON(reportTarget(plan.Report), reportTarget(state.Report)) || !plan.MaxFailedFiles.Equal(state.MaxFailedFiles) ||
		!plan.AllowCrossCountry.Equal(state.AllowCrossCountry) || !plan.Triggers.Equal(state.Triggers)
}

// reportTarget is the report block without state_limit.
func reportTarget(r *reportModel) *reportModel {
	if r == nil {
		return nil
	}
	c := *r
	c.StateLimit = types.Int64Null()
	return &c
}

// copyOutcome carries the last run's outcome and dry run from state into a plan.
func copyOutcome(plan, state *jobModel) {
	plan.RunID, plan.Status, plan.StartedAt, plan.FinishedAt = state.RunID, state.Status, state.StartedAt, state.FinishedAt
	plan.PlannedFiles, plan.PlannedBytes, plan.PlannedKeys = state.PlannedFiles, state.PlannedBytes, state.PlannedKeys
	plan.TotalFiles, plan.TotalBytes = state.TotalFiles, state.TotalBytes
	plan.MigratedFiles, plan.MigratedCount, plan.MigratedBytes = state.MigratedFiles, state.MigratedCount, state.MigratedBytes
	plan.SkippedCount, plan.ArchivedFiles = state.SkippedCount, state.ArchivedFiles
	plan.FailedFiles, plan.FailedCount, plan.FilesTruncated = state.FailedFiles, state.FailedCount, state.FilesTruncated
	plan.CopyMethodUsed = state.CopyMethodUsed
}

func (r *jobResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan jobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.run(ctx, &plan, timeout, &resp.Diagnostics)
	if plan.RunID.IsUnknown() {
		return // the run did not start: nothing to record
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, pendingKey, nil)...)
}

func (r *jobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan jobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.RunID.IsUnknown() {
		// Only arguments that do not need a run changed (timeouts, incremental, ...).
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.run(ctx, &plan, timeout, &resp.Diagnostics)
	if plan.RunID.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, pendingKey, nil)...)
}

// run executes the job and writes its outcome into m. Planned values known
// at plan time stay as planned; unknown ones come from the run.
func (r *jobResource) run(ctx context.Context, m *jobModel, timeout time.Duration, diags *diag.Diagnostics) {
	if r.data == nil {
		diags.AddError("Provider Not Configured", "The ossmigrate provider was not configured; this is a bug in the provider.")
		return
	}
	spec, d := m.toEngineSpec(ctx, r.data)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tflog.Info(ctx, "Starting migration", map[string]any{"job": spec.Name, "source": bucketPath(spec.Source), "destination": bucketPath(spec.Destination)})
	// The state keeps up to state_limit keys of each list; the report all.
	res, err := r.newEngine(ctx, engine.Options{ResultKeys: max(m.stateLimit(), 1)}).Run(ctx, spec)
	if res == nil {
		diags.AddError("Unable to Start Migration",
			fmt.Sprintf("Job %q could not start copying %s (credentials %q) to %s (credentials %q). Check that both buckets exist and "+
				"that the credentials may read the source and write the destination (and the report location).\n\n%s",
				spec.Name, bucketPath(spec.Source), spec.Source.CredentialsName, bucketPath(spec.Destination), spec.Destination.CredentialsName, err))
		return
	}
	if m.PlannedFiles.IsUnknown() {
		m.setPlanned(pendingPlan{Files: res.Planned.Files, Bytes: res.Planned.Bytes, Keys: res.PlannedKeys})
	}
	m.setRunOutcome(res)
	switch {
	case res.Status == report.StatusInterrupted:
		why := "it was cancelled"
		if errors.Is(err, context.DeadlineExceeded) {
			why = fmt.Sprintf("it ran longer than its timeout (%s)", timeout)
		}
		diags.AddError("Migration Interrupted",
			fmt.Sprintf("Job %q stopped because %s after migrating %d of %d planned files. The state and the report at %s record "+
				"what was done; the next apply resumes without copying those files again.", spec.Name, why, res.Migrated.Files, res.Planned.Files, res.ReportLocation))
	case res.Status == report.StatusFailed && err != nil:
		diags.AddError("Migration Failed",
			fmt.Sprintf("Job %q stopped after migrating %d files: %s\n\nThe report at %s records what was done; fix the cause and apply again "+
				"to migrate the rest.", spec.Name, res.Migrated.Files, runFailure(res.Error, err), res.ReportLocation))
	case res.Status == report.StatusFailed:
		diags.AddError("Migration Failed",
			fmt.Sprintf("Job %q could not migrate %d files (max_failed_files = %d). The first failures:\n%s\nThe full list is in the "+
				"report at %s. The next apply retries exactly the files that are missing.",
				spec.Name, res.Failed.Files, spec.MaxFailedFiles, describeFailures(res, 10), res.ReportLocation))
	case err != nil:
		diags.AddWarning("Migration Report Incomplete", fmt.Sprintf("Job %q finished, but its report could not be written completely: %s", spec.Name, err))
	}
	if res.Failed.Files > 0 && res.Status == report.StatusFinished {
		diags.AddWarning("Some Files Failed",
			fmt.Sprintf("Job %q finished with %d failed files (max_failed_files = %d):\n%s", spec.Name, res.Failed.Files, spec.MaxFailedFiles, describeFailures(res, 10)))
	}
}

// runFailure says why a run stopped: the run's recorded error and the error
// Run returned, once when one contains the other (the usual case).
func runFailure(recorded string, err error) string {
	returned := err.Error()
	switch {
	case recorded == "" || strings.Contains(returned, recorded):
		return returned
	case strings.Contains(recorded, returned):
		return recorded
	}
	return recorded + "\n\n" + returned
}

// Read refreshes the dry run for incremental jobs, so that the next plan
// shows new or changed source objects.
func (r *jobResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state jobModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data == nil || r.data.configUnknown {
		return
	}
	if !state.Incremental.ValueBool() || !state.PlanDryRun.ValueBool() || state.Status.ValueString() == "" {
		return
	}
	spec, diags := state.toEngineSpec(ctx, r.data)
	if diags.HasError() {
		return // the plan reports configuration problems
	}
	res, err := r.newEngine(ctx, engine.Options{}).Plan(ctx, spec)
	if err != nil {
		resp.Diagnostics.AddWarning("Unable to Refresh Migration Plan",
			fmt.Sprintf("Listing %s and %s for job %q failed, so new source objects are not detected now: %s",
				bucketPath(spec.Source), bucketPath(spec.Destination), spec.Name, err))
		return
	}
	// The finding waits in private state: the next plan shows it as the
	// change from the last apply's planned_* to these.
	data, _ := json.Marshal(pendingPlan{Files: res.CopyFiles, Bytes: res.CopyBytes, Keys: res.FirstKeys})
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, pendingKey, data)...)
}

// pendingPlan is what the last refresh found to copy.
type pendingPlan struct {
	Files int64    `json:"files"`
	Bytes int64    `json:"bytes"`
	Keys  []string `json:"keys"`
}

// privateState is the part of private state ModifyPlan reads.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func readPending(ctx context.Context, p privateState, diags *diag.Diagnostics) *pendingPlan {
	raw, d := p.GetKey(ctx, pendingKey)
	diags.Append(d...)
	if len(raw) == 0 {
		return nil
	}
	var pp pendingPlan
	if json.Unmarshal(raw, &pp) != nil {
		return nil
	}
	return &pp
}

// Delete forgets the job; migrated data and reports stay where they are.
func (r *jobResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	var state jobModel
	if diags := req.State.Get(ctx, &state); !diags.HasError() {
		tflog.Info(ctx, "Forgetting migration job; data and reports are kept", map[string]any{"job": state.Name.ValueString(), "report": state.ReportLocation.ValueString()})
	}
}

// ImportState rebuilds a job from its report. The ID is the job's report
// location, oss://<bucket>/<prefix><name>/, or <bucket>/<name> for the
// default prefix; the provider's region, endpoint and credentials must
// reach the report bucket.
func (r *jobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "The ossmigrate provider must be configured to import a job.")
		return
	}
	location := req.ID
	if !strings.HasPrefix(location, "oss://") {
		bucket, job, ok := strings.Cut(location, "/")
		if !ok || bucket == "" || job == "" || strings.Contains(job, "/") {
			resp.Diagnostics.AddError("Invalid Import ID",
				fmt.Sprintf("%q is not a job's report location. Use oss://<bucket>/<prefix><name>/ (the job's report_location) "+
					"or <bucket>/<name> when the report uses the default prefix %s.", req.ID, engine.DefaultReportPrefix))
			return
		}
		location = report.FormatLocation(bucket, engine.DefaultReportPrefix, job)
	}
	ep, err := r.data.endpointFor("provider", "", "", "", "")
	if err != nil {
		resp.Diagnostics.AddError("Unable to Import Job", err.Error())
		return
	}
	rr, err := r.newEngine(ctx, engine.Options{}).OpenReport(ctx, ep, location)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q: %s", req.ID, err))
		return
	}
	defer func() { _ = rr.Close() }()
	sum, err := rr.Summary(ctx, "")
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Job Report",
			fmt.Sprintf("Could not read the newest run of job %q at %s: %s", rr.Job(), location, err))
		return
	}
	m, diags := r.modelFromReport(ctx, rr, sum)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// modelFromReport rebuilds configuration and outcome from a run's summary
// and file lists. Values equal to the provider's defaults stay unset, as a
// configuration that relied on them would have them.
func (r *jobResource) modelFromReport(ctx context.Context, rr *engine.ReportReader, sum report.Summary) (*jobModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	st := sum.Settings
	if st == nil {
		diags.AddError("Unable to Import Job", fmt.Sprintf("The report of job %q has no settings (written by an older provider); it cannot be imported.", sum.Job))
		return nil, diags
	}
	optional := func(v, def string) types.String {
		if v == "" || v == def {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	creds := func(v string) types.String { return optional(v, defaultCredentialsName) }
	m := &jobModel{
		Name: types.StringValue(sum.Job),
		Source: &sourceModel{
			Bucket: types.StringValue(sum.Source.Bucket), Prefix: optional(sum.Source.Prefix, ""),
			Region: optional(sum.Source.Region, r.data.region), Endpoint: optional(st.SourceEndpoint, r.data.endpoint),
			Credentials: creds(st.SourceCredentials),
		},
		Destination: &destinationModel{
			Bucket: types.StringValue(sum.Destination.Bucket), Prefix: optional(sum.Destination.Prefix, ""),
			Region: optional(sum.Destination.Region, r.data.region), Endpoint: optional(st.DestinationEndpoint, r.data.endpoint),
			Credentials: creds(st.DestinationCredentials), StorageClass: optional(st.StorageClass, ""),
		},
		Overwrite:      types.StringValue(firstNonEmpty(st.Overwrite, string(engine.OverwriteIfNewer))),
		Verify:         types.StringValue(firstNonEmpty(st.Verify, string(engine.VerifyCRC64))),
		CopyMethod:     types.StringValue(firstNonEmpty(st.CopyMethod, string(engine.CopyAuto))),
		MaxFailedFiles: types.Int64Value(int64(st.MaxFailedFiles)), AllowCrossCountry: types.BoolValue(st.AllowCrossCountry),
		Incremental: types.BoolValue(true), PlanDryRun: types.BoolValue(true),
		Triggers:     types.MapNull(types.StringType),
		Timeouts:     timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType})},
		PlannedFiles: types.Int64Value(sum.Planned.Files), PlannedBytes: types.Int64Value(sum.Planned.Bytes),
		PlannedKeys: stringListValue([]string{}),
	}
	if len(st.Include)+len(st.Exclude) > 0 || st.ModifiedAfter != "" || st.ModifiedBefore != "" || st.MinSize != 0 || st.MaxSize != 0 {
		m.Filter = &filterModel{
			Include: optionalList(st.Include), Exclude: optionalList(st.Exclude),
			ModifiedAfter: optional(st.ModifiedAfter, ""), ModifiedBefore: optional(st.ModifiedBefore, ""),
			MinSize: optionalInt(st.MinSize), MaxSize: optionalInt(st.MaxSize),
		}
	}
	if st.Parallelism != 0 || st.BytesPerSecond != 0 || st.FilesPerSecond != 0 || st.PartSize != 0 || st.MultipartThreshold != 0 || st.TimeZone != "" || len(st.Schedule) > 0 {
		l := &limitsModel{
			Parallelism: optionalInt(int64(st.Parallelism)), MaxBytesPerSecond: optionalInt(st.BytesPerSecond),
			MaxFilesPerSecond: types.Float64Null(), PartSize: optionalInt(st.PartSize), MultipartThreshold: optionalInt(st.MultipartThreshold),
			TimeZone: optional(st.TimeZone, ""),
		}
		if st.FilesPerSecond != 0 {
			l.MaxFilesPerSecond = types.Float64Value(st.FilesPerSecond)
		}
		for _, w := range st.Schedule {
			l.Schedule = append(l.Schedule, scheduleModel{Start: types.StringValue(w.Start), End: types.StringValue(w.End), MaxBytesPerSecond: optionalInt(w.BytesPerSecond)})
		}
		m.Limits = l
	}
	if rr.Bucket() != sum.Destination.Bucket || rr.Prefix() != engine.DefaultReportPrefix {
		m.Report = &reportModel{
			Bucket: optional(rr.Bucket(), sum.Destination.Bucket), Prefix: optional(rr.Prefix(), engine.DefaultReportPrefix),
			Region: types.StringNull(), Endpoint: types.StringNull(), Credentials: types.StringNull(), StateLimit: types.Int64Null(),
		}
	}
	res, err := r.resultFromReport(ctx, rr, sum, m.stateLimit())
	if err != nil {
		diags.AddError("Unable to Read Job Report", fmt.Sprintf("Could not read the file lists of run %s of job %q: %s", sum.RunID, sum.Job, err))
		return nil, diags
	}
	m.setRunOutcome(res)
	return m, diags
}

// resultFromReport rebuilds a run's Result from its report, keeping the
// first `limit` rows of each list as a run keeps them.
func (r *jobResource) resultFromReport(ctx context.Context, rr *engine.ReportReader, sum report.Summary, limit int) (*engine.Result, error) {
	res := &engine.Result{
		RunID: sum.RunID, Status: sum.Status, StartedAt: sum.StartedAt, Planned: sum.Planned, Total: sum.Total,
		Migrated: sum.Migrated, Skipped: sum.Skipped, Failed: sum.Failed, CopyMethod: sum.CopyMethod, Error: sum.Error,
		ReportLocation: report.FormatLocation(rr.Bucket(), rr.Prefix(), rr.Job()),
	}
	if sum.FinishedAt != nil {
		res.FinishedAt = *sum.FinishedAt
	}
	all := func(report.Row) bool { return true }
	var err error
	res.MigratedTruncated, err = firstRows(ctx, rr, sum, report.ListCompleted, limit, all,
		func(row report.Row) { res.MigratedKeys = append(res.MigratedKeys, row.SourceKey) })
	if err == nil {
		res.FailedTruncated, err = firstRows(ctx, rr, sum, report.ListFailed, limit, all,
			func(row report.Row) {
				res.FailedFiles = append(res.FailedFiles, engine.FailedFile{Key: row.SourceKey, Error: row.Reason})
			})
	}
	if err == nil {
		res.ArchivedTruncated, err = firstRows(ctx, rr, sum, report.ListSkipped, limit,
			func(row report.Row) bool { return engine.IsArchivedReason(row.Reason) },
			func(row report.Row) { res.SkippedArchived = append(res.SkippedArchived, row.SourceKey) })
	}
	return res, err
}

func optionalList(values []string) types.List {
	if len(values) == 0 {
		return types.ListNull(types.StringType)
	}
	return stringListValue(values)
}

func optionalInt(v int64) types.Int64 {
	if v == 0 {
		return types.Int64Null()
	}
	return types.Int64Value(v)
}
