package bench

import (
	"bufio"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// heapSampleInterval is how often the heap is sampled during a repetition.
// runtime.ReadMemStats stops the world for a few microseconds; at this
// interval that costs well under 1% of either side, and both sides pay it.
const heapSampleInterval = 5 * time.Millisecond

// heapSampler records the peak heap in use (runtime.MemStats.HeapInuse:
// live objects and the garbage not yet collected, so it depends on GC
// pacing too) and the peak live heap (what the last GC found reachable)
// while it runs.
type heapSampler struct {
	peak, peakLive atomic.Uint64
	stop           chan struct{}
	wg             sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(heapSampleInterval)
		defer t.Stop()
		for {
			if h := heapInUse(); h > s.peak.Load() {
				s.peak.Store(h)
			}
			if h := liveHeap(); h > s.peakLive.Load() {
				s.peakLive.Store(h)
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

// finish stops the sampler and returns the peaks, including a last sample.
func (s *heapSampler) finish() (inUse, live uint64) {
	close(s.stop)
	s.wg.Wait()
	return max(s.peak.Load(), heapInUse()), max(s.peakLive.Load(), liveHeap())
}

// liveHeap is the heap the last GC found reachable.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func thisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	// Linux only; elsewhere the model stays empty.
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer func() { _ = f.Close() }()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
