// Package heapsample records a process's peak heap while something runs:
// the engine's memory benchmark and cmd/ossbench share it.
package heapsample

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Sampler records the peak heap in use (runtime.MemStats.HeapInuse: live
// objects and the garbage not yet collected, so it depends on GC pacing
// too) and the peak live heap (what the last GC found reachable).
type Sampler struct {
	peak, peakLive atomic.Uint64
	stop           chan struct{}
	wg             sync.WaitGroup
}

// Start samples every interval until Finish. runtime.ReadMemStats stops
// the world for a few microseconds: at a few milliseconds' interval that
// costs well under 1% of what is measured.
func Start(interval time.Duration) *Sampler {
	s := &Sampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *Sampler) sample() {
	raise(&s.peak, InUse())
	raise(&s.peakLive, Live())
}

// raise sets v to h if h is larger, also when two samples race.
func raise(v *atomic.Uint64, h uint64) {
	for {
		old := v.Load()
		if h <= old || v.CompareAndSwap(old, h) {
			return
		}
	}
}

// Finish stops the sampler and returns the peaks, a last sample included.
func (s *Sampler) Finish() (inUse, live uint64) {
	close(s.stop)
	s.wg.Wait()
	s.sample()
	return s.peak.Load(), s.peakLive.Load()
}

// InUse is the heap in use now.
func InUse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// Live is the heap the last GC found reachable.
func Live() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}
