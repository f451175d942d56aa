package engine

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heapSampler records the peak heap in use while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > s.peak.Load() {
				s.peak.Store(ms.HeapInuse)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) finish() uint64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak.Load()
}

// dryRunHeap runs an emulator process seeded with n zero-byte objects and
// returns the peak heap growth of a dry run over them in this process.
func dryRunHeap(tb testing.TB, n int) (growth uint64, elapsed time.Duration, lists int64) {
	ep := externalEmulator(tb, "-bucket", "src:"+hz+":"+alice, "-bucket", "dst:"+hz+":"+alice,
		"-synthetic", fmt.Sprintf("src:mem/:%d", n))
	spec := Spec{Name: "mem", Source: externalLoc(ep, "src", "mem/"), Destination: externalLoc(ep, "dst", "mem/")}
	eng := New(Options{})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	s := startHeapSampler()
	start := time.Now()
	plan, err := eng.Plan(tb.Context(), spec)
	elapsed = time.Since(start)
	peak := s.finish()
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
