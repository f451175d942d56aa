// Package bench measures the migration engine against the OSS emulator and
// against bare SDK loops doing the same work, in one process and one run
// (cmd/ossbench, `make bench`).
//
// Machines here are noisy, so no figure stands alone: every engine time is
// compared with a baseline measured in the same run against the same
// emulator, interleaved with it (baseline, engine, engine, baseline, ...),
// and reported as a ratio. Each scenario gets its own emulator process
// (cmd/ossemu, two regions), so the engine process's heap is the engine's and
// one scenario's data never slows another's. Requests are counted by the
// emulator (its -stats-addr endpoint), so they are what reached the server,
// retries included.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/heapsample"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu/emuproc"
)

// Config configures a benchmark run. Every zero value means the default.
type Config struct {
	// Quick runs every scenario at tiny sizes: a smoke test of the harness,
	// not a measurement.
	Quick bool
	// Only selects scenarios by name (see Scenarios); empty: all.
	Only []string
	// Reps overrides every scenario's number of repetitions per side.
	Reps int
	// Log receives progress lines; nil: discarded.
	Log io.Writer
	// EmulatorBin is a built cmd/ossemu; "": Run builds one into a
	// temporary directory with `go build`.
	EmulatorBin string
	// CPUProfile, when set, is a file name prefix: every scenario's engine
	// repetitions are profiled and the last one is kept in
	// <CPUProfile><scenario>.pprof.
	CPUProfile string
}

// Scenarios are the scenario names, in the order they run.
func Scenarios() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// Row is one line of the results table: the engine against one baseline.
type Row struct {
	Scenario string
	Baseline string
	// Objects is how many objects one repetition handles.
	Objects int64
	// Engine and BaselineTime are medians over the repetitions.
	Engine, BaselineTime time.Duration
	// Ratio is BaselineTime / Engine: the engine's speed as a fraction of the
	// baseline's (1 = as fast, above 1 = faster).
	Ratio float64
	// EngineRequests and BaselineRequests are requests per object, as the
	// emulator counted them (all operations, report writes included).
	EngineRequests, BaselineRequests float64
	// PeakHeap is the engine process's peak heap in use above its idle heap
	// over the engine's repetitions; PeakLive is the same for the live heap
	// (what a GC found reachable).
	PeakHeap, PeakLive uint64
	// EngineRuns and BaselineRuns are every repetition, in run order.
	EngineRuns, BaselineRuns []time.Duration
}

// Target is one goal of the issue and whether this run met it.
type Target struct {
	Name  string
	Want  string // e.g. ">= 0.80"
	Value float64
	Met   bool
}

// Report is the outcome of a benchmark run.
type Report struct {
	Rows    []Row
	Targets []Target
	// Notes are scenario-specific observations (e.g. the dry run's heap
	// ratio), one line each.
	Notes    []string
	Quick    bool
	Only     []string
	Duration time.Duration
	Machine  Machine
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int
	CPUModel  string
	GoVersion string
	OS, Arch  string
}

// Run runs the selected scenarios and returns their results.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	for _, name := range cfg.Only {
		if !slices.Contains(Scenarios(), name) {
			return nil, fmt.Errorf("unknown scenario %q: want one of %s", name, strings.Join(Scenarios(), ", "))
		}
	}
	start := time.Now()
	bin := cfg.EmulatorBin
	if bin == "" {
		var cleanup func()
		var err error
		bin, cleanup, err = emuproc.Build(ctx)
		if err != nil {
			return nil, err
		}
		defer cleanup()
	}
	rep := &Report{Quick: cfg.Quick, Only: cfg.Only, Machine: thisMachine()}
	for _, s := range scenarios {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, s.name) {
			continue
		}
		fmt.Fprintf(cfg.Log, "== %s: %s\n", s.name, s.title(cfg.Quick))
		if err := runScenario(ctx, cfg, bin, s, rep); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.name, err)
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func runScenario(ctx context.Context, cfg Config, bin string, s scenario, rep *Report) error {
	setup := s.setup(cfg.Quick)
	emu, err := startEmulator(ctx, bin, setup)
	if err != nil {
		return err
	}
	defer emu.Close()
	env := &env{ctx: ctx, cfg: cfg, emu: emu, quick: cfg.Quick, log: cfg.Log, title: s.title(cfg.Quick), name: s.name}
	reps := s.reps
	env.warmUps = max(s.warmUps, 1)
	if cfg.Quick {
		reps, env.warmUps = 1, 1
	}
	if cfg.Reps > 0 {
		reps = cfg.Reps
	}
	return s.run(env, reps, rep)
}

// env is what a scenario runs with.
type env struct {
	ctx     context.Context
	cfg     Config
	emu     *emulator
	quick   bool
	log     io.Writer
	title   string // the scenario's, for its rows
	name    string // the scenario's
	warmUps int    // unmeasured baseline repetitions before the measured ones
}

// measurement is one repetition of one side.
type measurement struct {
	dur      time.Duration
	cpu      time.Duration // this process's CPU time
	emuCPU   time.Duration // the emulator's CPU time
	requests int64
	peakHeap uint64 // heap in use, above the idle heap
	peakLive uint64 // live heap, above the idle live heap
}

// side is one contender of a scenario: the engine or a baseline. run does
// repetition rep (from 0) and returns how many objects it handled; after
// runs outside the measurement (clean-up).
type side struct {
	name    string
	objects int64
	run     func(ctx context.Context, rep int) error
	after   func(ctx context.Context, rep int) error
	// engine marks the engine's side (the one Config.CPUProfile profiles).
	engine bool
	// maxReps, when set, limits the side to the first maxReps repetitions
	// (a slow baseline that needs fewer to make its point).
	maxReps int
}

// measure runs one repetition of s: it levels the heap, then times the run
// while sampling the heap and counts the requests the emulator received.
func (e *env) measure(s side, rep int) (measurement, error) {
	before, err := e.emu.requests(e.ctx)
	if err != nil {
		return measurement{}, err
	}
	stopProfile, err := e.startProfile(s)
	if err != nil {
		return measurement{}, err
	}
	runtime.GC()
	idle, idleLive := heapsample.InUse(), heapsample.Live()
	hs := heapsample.Start(heapSampleInterval)
	cpu0, emu0 := cpuTime(), e.emu.cpu()
	start := time.Now()
	err = s.run(e.ctx, rep)
	dur := time.Since(start)
	cpu, emuCPU := cpuTime()-cpu0, e.emu.cpu()-emu0
	peak, peakLive := hs.Finish()
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		return measurement{}, fmt.Errorf("%s, repetition %d: %w", s.name, rep+1, err)
	}
	after, err := e.emu.requests(e.ctx)
	if err != nil {
		return measurement{}, err
	}
	m := measurement{dur: dur, cpu: cpu, emuCPU: emuCPU, requests: after - before}
	if peak > idle {
		m.peakHeap = peak - idle
	}
	if peakLive > idleLive {
		m.peakLive = peakLive - idleLive
	}
	fmt.Fprintf(e.log, "   %-40s rep %d: %8.3f s  cpu %7.3f s (emulator %7.3f s)  %9d requests  peak heap %5.1f MiB (live %5.1f MiB)\n",
		s.name, rep+1, dur.Seconds(), cpu.Seconds(), emuCPU.Seconds(), m.requests, mib(m.peakHeap), mib(m.peakLive))
	if s.after != nil {
		if err := s.after(e.ctx, rep); err != nil {
			return m, fmt.Errorf("%s, repetition %d: clean up: %w", s.name, rep+1, err)
		}
	}
	return m, nil
}

// startProfile starts a CPU profile of an engine repetition when the
// configuration asks for one, and returns what stops it.
func (e *env) startProfile(s side) (stop func() error, err error) {
	if e.cfg.CPUProfile == "" || !s.engine {
		return func() error { return nil }, nil
	}
	f, err := os.Create(e.cfg.CPUProfile + e.name + ".pprof")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// warmUp runs one unmeasured repetition of s (repetition -1), so that the
// first measured repetition does not pay for the emulator's first use of
// its memory and connections.
func (e *env) warmUp(s side) error {
	fmt.Fprintf(e.log, "   %-40s warm-up\n", s.name)
	if err := s.run(e.ctx, -1); err != nil {
		return fmt.Errorf("%s, warm-up: %w", s.name, err)
	}
	if s.after != nil {
		if err := s.after(e.ctx, -1); err != nil {
			return fmt.Errorf("%s, warm-up: clean up: %w", s.name, err)
		}
	}
	return nil
}

// interleave runs reps repetitions of every side, rotating the order in
// each repetition and reversing it every other one (A B, B A for two
// sides), so that drift in the machine's speed falls on every side alike.
// It returns the measurements by side, in run order.
func (e *env) interleave(reps int, sides ...side) ([][]measurement, error) {
	out := make([][]measurement, len(sides))
	for r := range reps {
		order := make([]int, len(sides))
		for i := range order {
			order[i] = (i + r/2) % len(sides)
		}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, i := range order {
			if sides[i].maxReps > 0 && r >= sides[i].maxReps {
				continue
			}
			m, err := e.measure(sides[i], r)
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], m)
		}
	}
	return out, nil
}

// row compares the engine's measurements with one baseline's.
func row(scenario, baseline string, objects int64, eng, base []measurement) Row {
	r := Row{Scenario: scenario, Baseline: baseline, Objects: objects}
	r.Engine, r.EngineRuns = median(eng)
	r.BaselineTime, r.BaselineRuns = median(base)
	if r.Engine > 0 {
		r.Ratio = r.BaselineTime.Seconds() / r.Engine.Seconds()
	}
	if objects > 0 {
		r.EngineRequests = float64(medianRequests(eng)) / float64(objects)
		r.BaselineRequests = float64(medianRequests(base)) / float64(objects)
	}
	for _, m := range eng {
		r.PeakHeap = max(r.PeakHeap, m.peakHeap)
		r.PeakLive = max(r.PeakLive, m.peakLive)
	}
	return r
}

// median returns the median duration (the mean of the middle two for an
// even count) and all durations in run order.
func median(ms []measurement) (time.Duration, []time.Duration) {
	runs := make([]time.Duration, len(ms))
	for i, m := range ms {
		runs[i] = m.dur
	}
	s := slices.Clone(runs)
	sort.Slice(s, func(a, b int) bool { return s[a] < s[b] })
	switch n := len(s); {
	case n == 0:
		return 0, runs
	case n%2 == 1:
		return s[n/2], runs
	default:
		return (s[n/2-1] + s[n/2]) / 2, runs
	}
}

// medianRequests is the median request count (requests hardly vary, but a
// retry would show in one repetition only).
func medianRequests(ms []measurement) int64 {
	return int64(medianOf(ms, func(m measurement) uint64 { return uint64(m.requests) }))
}

// medianOf is the median of f over ms (the lower middle one for an even
// count).
func medianOf(ms []measurement, f func(measurement) uint64) uint64 {
	if len(ms) == 0 {
		return 0
	}
	s := make([]uint64, len(ms))
	for i, m := range ms {
		s[i] = f(m)
	}
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// errCount reports a repetition that did not handle the objects it should.
func errCount(what string, got, want int64) error {
	if got == want {
		return nil
	}
	return fmt.Errorf("%s: %d objects, want %d", what, got, want)
}
