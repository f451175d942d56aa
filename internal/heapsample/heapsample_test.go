package heapsample

import (
	"runtime"
	"testing"
	"time"
)

// TestPeakSeesAnAllocation: a 64 MiB allocation made and dropped between
// Start and Finish shows in the peak heap in use, though it is gone by then.
func TestPeakSeesAnAllocation(t *testing.T) {
	runtime.GC()
	base := InUse()
	s := Start(time.Hour) // only the first and the last sample: no timing involved
	held := make([]byte, 64<<20)
	for i := range held {
		held[i] = byte(i)
	}
	s.sample() // as the ticker would, while the allocation is alive
	runtime.KeepAlive(held)
	runtime.GC()
	inUse, live := s.Finish()
	if inUse < base+64<<20 {
		t.Fatalf("peak in use %d, want at least %d above the base %d", inUse, 64<<20, base)
	}
	if now := InUse(); now >= inUse {
		t.Fatalf("heap in use now %d, not below the peak %d", now, inUse)
	}
	if live == 0 {
		t.Fatal("no live heap sampled")
	}
}
