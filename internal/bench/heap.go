package bench

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
)

// heapSampleInterval is how often the heap is sampled during a repetition;
// both sides pay the same for it.
const heapSampleInterval = 5 * time.Millisecond

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
