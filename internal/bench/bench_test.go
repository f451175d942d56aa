package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestQuickRun is a smoke test of the harness: every scenario at tiny sizes
// against a real cmd/ossemu process, one repetition per side. It checks
// that every scenario ran, that the numbers are sane and that the outputs
// render; it says nothing about speed.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs cmd/ossemu")
	}
	var log bytes.Buffer
	rep, err := Run(t.Context(), Config{Quick: true, Log: &log})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	// small has three baselines and dryrun two sizes.
	if want := len(scenarios) + 3; len(rep.Rows) != want {
		t.Fatalf("%d rows, want %d", len(rep.Rows), want)
	}
	for _, r := range rep.Rows {
		if r.Engine <= 0 || r.BaselineTime <= 0 || r.Ratio <= 0 || r.Objects <= 0 {
			t.Errorf("row %+v: times, ratio and objects must be positive", r)
		}
		if r.EngineRequests <= 0 || r.BaselineRequests <= 0 {
			t.Errorf("row %s / %s: no requests counted (engine %v, baseline %v)", r.Scenario, r.Baseline, r.EngineRequests, r.BaselineRequests)
		}
		if len(r.EngineRuns) == 0 || len(r.BaselineRuns) != len(r.EngineRuns) {
			t.Errorf("row %s / %s: runs %v and %v", r.Scenario, r.Baseline, r.EngineRuns, r.BaselineRuns)
		}
	}
	// Requests are exact where the work is: a raw CopyObject loop sends one
	// request per object, the naive loop two.
	for _, r := range rep.Rows {
		switch {
		case strings.HasPrefix(r.Baseline, "raw: parallel CopyObject"):
			if r.BaselineRequests != 1 {
				t.Errorf("raw CopyObject loop: %v requests per object, want 1", r.BaselineRequests)
			}
		case strings.HasPrefix(r.Baseline, "raw + listing"):
			// 200 copies and one listing page.
			if r.BaselineRequests != 1.005 {
				t.Errorf("raw CopyObject loop with listing: %v requests per object, want 1.005", r.BaselineRequests)
			}
		case strings.HasPrefix(r.Baseline, "naive"):
			if r.BaselineRequests != 2 {
				t.Errorf("naive loop: %v requests per object, want 2", r.BaselineRequests)
			}
		}
	}
	if len(rep.Targets) != 6 {
		t.Errorf("%d targets, want 6: %+v", len(rep.Targets), rep.Targets)
	}
	var table, md bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md, "go run ./cmd/ossbench -quick"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| scenario |", "## Targets", "quick smoke run", "go run ./cmd/ossbench -quick", "## Method"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("BENCHMARKS.md lacks %q", want)
		}
	}
	t.Logf("quick run in %v:\n%s", rep.Duration.Round(time.Millisecond), table.String())
}

func TestRunRefusesUnknownScenario(t *testing.T) {
	_, err := Run(t.Context(), Config{Only: []string{"nope"}, EmulatorBin: "/nonexistent"})
	if err == nil || !strings.Contains(err.Error(), "small") {
		t.Fatalf("err = %v, want one listing the scenarios", err)
	}
}

func TestMedianAndRatio(t *testing.T) {
	ms := func(ds ...time.Duration) []measurement {
		var out []measurement
		for _, d := range ds {
			out = append(out, measurement{dur: d, requests: 10})
		}
		return out
	}
	r := row("s", "b", 10, ms(3*time.Second, 1*time.Second, 2*time.Second), ms(4*time.Second, 2*time.Second))
	if r.Engine != 2*time.Second || r.BaselineTime != 3*time.Second {
		t.Fatalf("medians %v and %v, want 2s and 3s", r.Engine, r.BaselineTime)
	}
	if r.Ratio != 1.5 || r.EngineRequests != 1 {
		t.Fatalf("ratio %v, requests %v", r.Ratio, r.EngineRequests)
	}
	if got := r.EngineRuns; len(got) != 3 || got[0] != 3*time.Second {
		t.Fatalf("runs %v, want them in run order", got)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1000000: "1,000,000", 12345: "12,345"} {
		if got := count(in); got != want {
			t.Errorf("count(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{4 << 10: "4 KiB", 512 << 20: "512 MiB", 2 << 30: "2 GiB", 1000: "1000 B", 1536 << 10: "1536 KiB"} {
		if got := bytesize(in); got != want {
			t.Errorf("bytesize(%d) = %q, want %q", in, got, want)
		}
	}
}
