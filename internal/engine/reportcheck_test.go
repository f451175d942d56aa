package engine

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// TestReportMatchesOutcome: a run with migrated, skipped and failed objects
// leaves a report whose lists and summary parse back to exactly what
// happened, chunked as configured, with latest.json pointing at the run.
func TestReportMatchesOutcome(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	e.opts.ReportChunkRows = 7
	want := map[report.List]map[string]bool{report.ListTotal: {}, report.ListCompleted: {}, report.ListSkipped: {}, report.ListFailed: {}}
	for i := range 20 {
		key := fmt.Sprintf("rp/ok-%02d", i)
		e.put("src", ossemu.ObjectSpec{Key: key, Data: content(key, 1000+i)})
		want[report.ListCompleted][key] = true
	}
	for i := range 5 {
		key := fmt.Sprintf("rp/cold-%d", i)
		e.put("src", ossemu.ObjectSpec{Key: key, Data: []byte("cold"), StorageClass: "Archive"})
		want[report.ListSkipped][key] = true
	}
	for i := range 3 {
		key := fmt.Sprintf("rp/denied-%d", i)
		e.put("src", ossemu.ObjectSpec{Key: key, Data: []byte("x")})
		want[report.ListFailed][key] = true
	}
	for _, l := range []report.List{report.ListCompleted, report.ListSkipped, report.ListFailed} {
		for k := range want[l] {
			want[report.ListTotal][k] = true
		}
	}
	// The denied objects fail: GET of them is refused to alice's reader.
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "GetObject", Key: "rp/denied-*", Status: 403, Code: "AccessDenied"})
	spec := e.spec("report", e.loc("src", "rp/", alice), e.loc("dst-sh", "rp/", alice))
	spec.MaxFailedFiles = 1
	res, err := e.engine().Run(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != report.StatusFailed || !strings.Contains(res.Error, "3 files failed, more than max_failed_files (1)") {
		t.Fatalf("status %s, error %q", res.Status, res.Error)
	}
	sum := readSummary(t, e, spec, res.RunID)
	if sum.Status != res.Status || sum.Total != res.Total || sum.Migrated != res.Migrated || sum.Skipped != res.Skipped ||
		sum.Failed != res.Failed || sum.Error != res.Error || sum.FinishedAt == nil || sum.SpecDigest != spec.Digest() {
		t.Fatalf("summary %+v\nresult %+v", sum, res)
	}
	for _, l := range report.Lists {
		rows := e.rows(res, spec, l)
		got := map[string]bool{}
		for _, r := range rows {
			if got[r.SourceKey] {
				t.Fatalf("%s list has %s twice", l, r.SourceKey)
			}
			got[r.SourceKey] = true
			if l == report.ListCompleted {
				data := content(r.SourceKey, 1000+atoiSuffix(r.SourceKey))
				if r.Size != int64(len(data)) || !r.HasCRC64 || r.CRC64 != crc64ecma.Checksum(data) {
					t.Errorf("%s: size %d crc %d", r.SourceKey, r.Size, r.CRC64)
				}
			}
			if l == report.ListFailed && !strings.Contains(r.Reason, "AccessDenied") {
				t.Errorf("%s: reason %q", r.SourceKey, r.Reason)
			}
		}
		if fmt.Sprint(sortedSet(got)) != fmt.Sprint(sortedSet(want[l])) {
			t.Fatalf("%s list:\n got %v\nwant %v", l, sortedSet(got), sortedSet(want[l]))
		}
		if wantChunks := (len(rows) + 6) / 7; sum.Chunks[l] != wantChunks {
			t.Errorf("%s: %d chunks, want %d", l, sum.Chunks[l], wantChunks)
		}
	}
	b, _ := e.opts.withDefaults().Open(t.Context(), spec.withDefaults().Report.Location)
	latest, err := report.ReadLatest(t.Context(), b, ".ossmigrate/", spec.Name)
	if err != nil || latest.RunID != res.RunID || latest.Status != res.Status {
		t.Fatalf("latest %+v, %v", latest, err)
	}
	if res.ReportLocation != "oss://reports/.ossmigrate/report/" {
		t.Fatalf("report location %q", res.ReportLocation)
	}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func atoiSuffix(key string) int {
	var n int
	_, _ = fmt.Sscanf(key[strings.LastIndexByte(key, '-')+1:], "%d", &n)
	return n
}

// TestFinalSummaryWhenAListCannotBeWritten: when a list chunk cannot be
// written at the end of a run, the run says so, and its summary is still
// final (not left "running") and counts the chunks that were written.
func TestFinalSummaryWhenAListCannotBeWritten(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	for i := range 3 {
		key := fmt.Sprintf("nl/%d", i)
		e.put("src", ossemu.ObjectSpec{Key: key, Data: content(key, 100)})
	}
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "PutObject", Key: "*/" + report.ChunkName(report.ListCompleted, 1), Status: 403, Code: "AccessDenied"})
	spec := e.spec("no-list", e.loc("src", "nl/", alice), e.loc("dst", "nl/", alice))
	res, err := e.engine().Run(t.Context(), spec)
	if err == nil || !strings.Contains(err.Error(), report.ChunkName(report.ListCompleted, 1)) {
		t.Fatalf("err = %v, want the chunk that could not be written", err)
	}
	if res == nil || res.Status != report.StatusFinished || res.Migrated.Files != 3 {
		t.Fatalf("result %+v", res)
	}
	sum := readSummary(t, e, spec, res.RunID)
	if sum.Status != report.StatusFinished || sum.FinishedAt == nil || sum.Migrated != res.Migrated {
		t.Fatalf("summary %+v", sum)
	}
	if sum.Chunks[report.ListCompleted] != 0 || sum.Chunks[report.ListTotal] != 1 {
		t.Fatalf("summary chunks %v, want the completed list's unwritten chunk left out", sum.Chunks)
	}
}
