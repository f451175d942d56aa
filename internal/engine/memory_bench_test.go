package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/heapsample"
)

// dryRunHeap runs an emulator process seeded with n zero-byte objects and
// returns the peak heap growth of a dry run over them in this process.
func dryRunHeap(tb testing.TB, n int) (growth uint64, elapsed time.Duration, lists int64) {
	ep := externalEmulator(tb, "-bucket", "src:"+hz+":"+alice, "-bucket", "dst:"+hz+":"+alice,
		"-synthetic", fmt.Sprintf("src:mem/:%d", n))
	spec := Spec{Name: "mem", Source: externalLoc(ep, "src", "mem/"), Destination: externalLoc(ep, "dst", "mem/")}
	eng := New(Options{})
	runtime.GC()
	base := heapsample.InUse()
	s := heapsample.Start(2 * time.Millisecond)
	start := time.Now()
	plan, err := eng.Plan(tb.Context(), spec)
	elapsed = time.Since(start)
	peak, _ := s.Finish()
	if err != nil {
		tb.Fatal(err)
	}
	if plan.SourceFiles != int64(n) {
		tb.Fatalf("planned %d of %d", plan.SourceFiles, n)
	}
	if peak > base {
		growth = peak - base
	}
	return growth, elapsed, plan.ListRequests
}

// BenchmarkDryRunMemory compares the peak heap of a dry run over 100,000
// and 1,000,000 objects: a streaming plan's memory must not grow with the
// number of objects (target: within 1.3x).
func BenchmarkDryRunMemory(b *testing.B) {
	for range b.N {
		small, tSmall, lSmall := dryRunHeap(b, 100_000)
		large, tLarge, lLarge := dryRunHeap(b, 1_000_000)
		b.ReportMetric(float64(small)/(1<<20), "peak-MiB-100k")
		b.ReportMetric(float64(large)/(1<<20), "peak-MiB-1M")
		b.ReportMetric(float64(large)/float64(small), "1M/100k")
		b.ReportMetric(tLarge.Seconds(), "s-1M")
		b.ReportMetric(tSmall.Seconds(), "s-100k")
		b.ReportMetric(float64(lLarge), "lists-1M")
		b.ReportMetric(float64(lSmall), "lists-100k")
	}
}
