package bench

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/go-hclog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
)

// parallelism is the engine's and every parallel baseline's concurrency
// (the engine's default, set explicitly).
const parallelism = engine.DefaultParallelism

// Targets of the issue.
const (
	targetSmallRatio     = 0.80
	targetStreamRatio    = 0.85
	targetPartCopyRatio  = 0.85
	targetSmallRequests  = 1.003
	targetDryRunHeapGrow = 1.3
)

// load is a scenario's data set.
type load struct {
	count     int
	size      int64
	partSize  int64 // 0: the engine's default
	threshold int64 // multipart threshold; 0: the engine's default
}

func pick(quick bool, full, smoke load) load {
	if quick {
		return smoke
	}
	return full
}

// scenario is one line (or a few) of the table.
type scenario struct {
	name string // for -only
	reps int    // repetitions per side in a full run
	// warmUps is how many unmeasured baseline repetitions come first in a
	// full run (default 1). The emulator's heap grows to its steady size
	// over the first few gigabytes it receives, and until then each
	// repetition pays for fresh memory.
	warmUps int
	title   func(quick bool) string
	setup   func(quick bool) emulatorSetup
	run     func(e *env, reps int, out *Report) error
}

var (
	smallLoad     = func(q bool) load { return pick(q, load{count: 10000, size: 4 << 10}, load{count: 200, size: 4 << 10}) }
	streamLoad    = func(q bool) load { return pick(q, load{count: 1000, size: 1 << 20}, load{count: 40, size: 64 << 10}) }
	multipartLoad = func(q bool) load {
		return pick(q, load{count: 4, size: 512 << 20, partSize: 16 << 20},
			load{count: 2, size: 2 << 20, partSize: 512 << 10, threshold: 1 << 20})
	}
	partCopyLoad = func(q bool) load {
		return pick(q, load{count: 2, size: 2 << 30, partSize: 16 << 20},
			load{count: 2, size: 3 << 20, partSize: 1 << 20, threshold: 1 << 20})
	}
	noopLoad = func(q bool) load {
		return pick(q, load{count: 100000, size: 1 << 10}, load{count: 2000, size: 1 << 10})
	}
	dryRunLoad = func(q bool) (large, small load) {
		return pick(q, load{count: 1000000}, load{count: 20000}), pick(q, load{count: 100000}, load{count: 2000})
	}
)

var scenarios = []scenario{
	{
		name: "small", reps: 5,
		title: func(q bool) string {
			l := smallLoad(q)
			return fmt.Sprintf("%s x %s, same region (server-side)", count(l.count), bytesize(l.size))
		},
		setup: func(q bool) emulatorSetup {
			l := smallLoad(q)
			return emulatorSetup{
				buckets:   []bucketSpec{{"small-src", hz}, {"small-dst", hz}},
				synthetic: []string{synthetic("small-src", "obj/", l)},
			}
		},
		run: runSmall,
	},
	{
		name: "stream", reps: 5, warmUps: 3,
		title: func(q bool) string {
			l := streamLoad(q)
			return fmt.Sprintf("%s x %s, cross-region (streamed)", count(l.count), bytesize(l.size))
		},
		setup: func(q bool) emulatorSetup {
			l := streamLoad(q)
			return emulatorSetup{
				buckets:   []bucketSpec{{"stream-src", hz}, {"stream-dst", sh}},
				synthetic: []string{synthetic("stream-src", "obj/", l)},
			}
		},
		run: runStream,
	},
	{
		name: "multipart", reps: 3, warmUps: 3,
		title: func(q bool) string {
			l := multipartLoad(q)
			return fmt.Sprintf("%s x %s, cross-region (streamed multipart, %s parts)", count(l.count), bytesize(l.size), bytesize(l.partSize))
		},
		setup: func(q bool) emulatorSetup {
			l := multipartLoad(q)
			return emulatorSetup{
				buckets:   []bucketSpec{{"mp-src", hz}, {"mp-dst", sh}},
				synthetic: []string{synthetic("mp-src", "obj/", l)},
			}
		},
		run: runMultipart,
	},
	{
		name: "partcopy", reps: 3,
		title: func(q bool) string {
			l := partCopyLoad(q)
			return fmt.Sprintf("%s x %s, same region (UploadPartCopy, %s parts)", count(l.count), bytesize(l.size), bytesize(l.partSize))
		},
		setup: func(q bool) emulatorSetup {
			l := partCopyLoad(q)
			return emulatorSetup{
				buckets:   []bucketSpec{{"pc-src", hz}, {"pc-dst", hz}},
				synthetic: []string{synthetic("pc-src", "obj/", l)},
			}
		},
		run: runPartCopy,
	},
	{
		name: "noop", reps: 5,
		title: func(q bool) string { return fmt.Sprintf("incremental no-op over %s objects", count(noopLoad(q).count)) },
		setup: func(q bool) emulatorSetup {
			l := noopLoad(q)
			return emulatorSetup{
				buckets:   []bucketSpec{{"noop-src", hz}, {"noop-dst", hz}},
				synthetic: []string{synthetic("noop-src", "obj/", l), synthetic("noop-dst", "obj/", l)},
			}
		},
		run: runNoop,
	},
	{
		name: "dryrun", reps: 3,
		title: func(q bool) string {
			large, small := dryRunLoad(q)
			return fmt.Sprintf("dry run over %s and %s objects", count(large.count), count(small.count))
		},
		setup: func(q bool) emulatorSetup {
			large, small := dryRunLoad(q)
			return emulatorSetup{
				buckets:   []bucketSpec{{"dry-src", hz}, {"dry-dst", hz}},
				synthetic: []string{synthetic("dry-src", "large/", large), synthetic("dry-src", "small/", small)},
			}
		},
		run: runDryRun,
	},
}

func synthetic(bucket, prefix string, l load) string {
	return fmt.Sprintf("%s:%s:%d:%d", bucket, prefix, l.count, l.size)
}

// engine returns an engine that logs warnings and errors to the run's log.
func (e *env) engine() *engine.Engine {
	return engine.New(engine.Options{
		Logger: hclog.New(&hclog.LoggerOptions{Name: "engine", Level: hclog.Warn, Output: e.log}),
	})
}

// spec is a job from srcBucket/srcPrefix to dstBucket/dstPrefix at the
// benchmark's parallelism with l's part size and threshold; its report goes
// to the destination bucket, as by default.
func (e *env) spec(name, srcBucket, srcPrefix, dstBucket, dstPrefix string, l load) engine.Spec {
	return engine.Spec{
		Name:               name,
		Source:             e.emu.location(srcBucket, srcPrefix),
		Destination:        e.emu.location(dstBucket, dstPrefix),
		Limits:             engine.Limits{Parallelism: parallelism},
		PartSize:           l.partSize,
		MultipartThreshold: l.threshold,
	}
}

// runEngine runs spec and checks that it migrated want objects and failed
// none.
func (e *env) runEngine(ctx context.Context, spec engine.Spec, want int64) (*engine.Result, error) {
	res, err := e.engine().Run(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("engine run %s: %w", spec.Name, err)
	}
	if res.Status != report.StatusFinished || res.Failed.Files != 0 {
		return nil, fmt.Errorf("engine run %s: status %s, %d failed: %s", spec.Name, res.Status, res.Failed.Files, res.Error)
	}
	return res, errCount("engine run "+spec.Name+" migrated", res.Migrated.Files, want)
}

// repPrefix is the fresh destination prefix of one repetition of a side.
func repPrefix(side string, rep int) string { return side + strconv.Itoa(rep+1) + "/" }

// copyScenario measures a copy of l from srcBucket to dstBucket: the engine
// against the given baselines (each a function of the destination prefix),
// every repetition into a fresh prefix that is deleted afterwards.
func (e *env) copyScenario(out *Report, srcBucket, dstBucket string, l load, reps int, baselines []baseline) ([]Row, error) {
	dst, err := e.emu.bucket(dstBucket)
	if err != nil {
		return nil, err
	}
	dstStore, err := e.emu.store(e.ctx, dstBucket)
	if err != nil {
		return nil, err
	}
	cleanup := func(side string) func(ctx context.Context, rep int) error {
		return func(ctx context.Context, rep int) error { return deletePrefix(ctx, dst, repPrefix(side, rep)) }
	}
	n := int64(l.count)
	sides := []side{{
		name: "engine", objects: n, engine: true,
		run: func(ctx context.Context, rep int) error {
			_, err := e.runEngine(ctx, e.spec(fmt.Sprintf("%s-e%d", srcBucket, rep+1), srcBucket, "obj/", dstBucket, repPrefix("e", rep), l), n)
			return err
		},
		after: cleanup("e"),
	}}
	for i, b := range baselines {
		tag := string(rune('r' + i)) // r, s, t: prefixes of the baselines
		sides = append(sides, side{
			name: b.name, objects: n, maxReps: b.maxReps,
			run: func(ctx context.Context, rep int) error { return b.run(ctx, repPrefix(tag, rep)) },
			after: func(ctx context.Context, rep int) error {
				// Every baseline must have written every object.
				got, err := listAll(ctx, dstStore, repPrefix(tag, rep))
				if err == nil {
					err = errCount(b.name+" wrote", got, n)
				}
				if err != nil {
					return err
				}
				return cleanup(tag)(ctx, rep)
			},
		})
	}
	for range e.warmUps {
		if err := e.warmUp(sides[1]); err != nil {
			return nil, err
		}
	}
	ms, err := e.interleave(reps, sides...)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for i, b := range baselines {
		rows = append(rows, row(e.title, b.name, n, ms[0], ms[i+1]))
	}
	out.Rows = append(out.Rows, rows...)
	return rows, nil
}

// baseline is a non-engine way of doing a copy scenario's work.
type baseline struct {
	name    string
	run     func(ctx context.Context, dstPrefix string) error
	maxReps int // see side.maxReps
}

func runSmall(e *env, reps int, out *Report) error {
	l := smallLoad(e.quick)
	src, err := e.emu.store(e.ctx, "small-src")
	if err != nil {
		return err
	}
	dst, err := e.emu.bucket("small-dst")
	if err != nil {
		return err
	}
	objs := syntheticObjects("obj/", l.count, l.size)
	rows, err := e.copyScenario(out, "small-src", "small-dst", l, reps, []baseline{
		{"raw: parallel CopyObject", func(ctx context.Context, prefix string) error {
			return rawCopy(ctx, dst, "small-src", objs, "obj/", prefix, parallelism)
		}, 0},
		// Not a target: what the engine costs beyond the listing it needs.
		{"raw + listing: CopyObject loop, source listed too", func(ctx context.Context, prefix string) error {
			return rawCopyListing(ctx, src, dst, objs, "obj/", prefix, parallelism)
		}, 0},
		// Serial, so several times slower: two repetitions tell enough.
		{"naive: HEAD + CopyObject, serial", func(ctx context.Context, prefix string) error {
			return naiveCopy(ctx, dst, "small-src", objs, "obj/", prefix)
		}, 2},
	})
	if err != nil {
		return err
	}
	out.Targets = append(out.Targets,
		Target{Name: "small objects: engine speed / raw", Want: fmt.Sprintf(">= %.2f", targetSmallRatio), Value: rows[0].Ratio, Met: rows[0].Ratio >= targetSmallRatio},
		Target{Name: "small objects: requests per object", Want: fmt.Sprintf("<= %.3f", targetSmallRequests), Value: rows[0].EngineRequests, Met: rows[0].EngineRequests <= targetSmallRequests},
	)
	return nil
}

func runStream(e *env, reps int, out *Report) error {
	l := streamLoad(e.quick)
	src, err := e.emu.bucket("stream-src")
	if err != nil {
		return err
	}
	dst, err := e.emu.bucket("stream-dst")
	if err != nil {
		return err
	}
	objs := syntheticObjects("obj/", l.count, l.size)
	rows, err := e.copyScenario(out, "stream-src", "stream-dst", l, reps, []baseline{
		{"raw: parallel GET + PUT", func(ctx context.Context, prefix string) error {
			return rawStream(ctx, src, dst, objs, "obj/", prefix, parallelism)
		}, 0},
	})
	if err != nil {
		return err
	}
	out.Targets = append(out.Targets, Target{Name: "streamed objects: engine speed / raw", Want: fmt.Sprintf(">= %.2f", targetStreamRatio),
		Value: rows[0].Ratio, Met: rows[0].Ratio >= targetStreamRatio})
	return nil
}

func runMultipart(e *env, reps int, out *Report) error {
	l := multipartLoad(e.quick)
	src, err := e.emu.bucket("mp-src")
	if err != nil {
		return err
	}
	dst, err := e.emu.bucket("mp-dst")
	if err != nil {
		return err
	}
	objs := syntheticObjects("obj/", l.count, l.size)
	rows, err := e.copyScenario(out, "mp-src", "mp-dst", l, reps, []baseline{
		{"raw: parallel ranged GET + UploadPart", func(ctx context.Context, prefix string) error {
			return rawStreamParts(ctx, src, dst, objs, "obj/", prefix, l.partSize, parallelism)
		}, 0},
	})
	if err != nil {
		return err
	}
	out.Targets = append(out.Targets, Target{Name: "streamed multipart: engine speed / raw", Want: fmt.Sprintf(">= %.2f", targetStreamRatio),
		Value: rows[0].Ratio, Met: rows[0].Ratio >= targetStreamRatio})
	return nil
}

func runPartCopy(e *env, reps int, out *Report) error {
	l := partCopyLoad(e.quick)
	dst, err := e.emu.bucket("pc-dst")
	if err != nil {
		return err
	}
	objs := syntheticObjects("obj/", l.count, l.size)
	rows, err := e.copyScenario(out, "pc-src", "pc-dst", l, reps, []baseline{
		{"raw: parallel UploadPartCopy", func(ctx context.Context, prefix string) error {
			return rawPartCopy(ctx, dst, "pc-src", objs, "obj/", prefix, l.partSize, parallelism)
		}, 0},
	})
	if err != nil {
		return err
	}
	out.Targets = append(out.Targets, Target{Name: "multipart copy: engine speed / raw", Want: fmt.Sprintf(">= %.2f", targetPartCopyRatio),
		Value: rows[0].Ratio, Met: rows[0].Ratio >= targetPartCopyRatio})
	return nil
}

func runNoop(e *env, reps int, out *Report) error {
	l := noopLoad(e.quick)
	n := int64(l.count)
	src, err := e.emu.store(e.ctx, "noop-src")
	if err != nil {
		return err
	}
	dst, err := e.emu.store(e.ctx, "noop-dst")
	if err != nil {
		return err
	}
	list := side{name: "raw: list both sides", objects: n, run: func(ctx context.Context, _ int) error {
		s, d, err := rawListBoth(ctx, src, dst, "obj/", "obj/")
		if err == nil {
			err = errCount("source listing", s, n)
		}
		if err == nil {
			err = errCount("destination listing", d, n)
		}
		return err
	}}
	for range e.warmUps {
		if err := e.warmUp(list); err != nil {
			return err
		}
	}
	ms, err := e.interleave(reps,
		side{name: "engine", objects: n, engine: true, run: func(ctx context.Context, rep int) error {
			spec := e.spec(fmt.Sprintf("noop-e%d", rep+1), "noop-src", "obj/", "noop-dst", "obj/", l)
			res, err := e.runEngine(ctx, spec, 0)
			if err != nil {
				return err
			}
			return errCount("engine run "+spec.Name+" skipped", res.Skipped.Files, n)
		}},
		list,
	)
	if err != nil {
		return err
	}
	out.Rows = append(out.Rows, row(e.title, "raw: list both sides", n, ms[0], ms[1]))
	return nil
}

// runDryRun plans over the large and the small data set, each against a
// listing of both sides. The memory target compares like with like: a peak
// is the highest of thousands of samples, and the longer a run is watched
// the higher it tends to be, so each large repetition is set against a
// group of small ones that list as many objects in all, and the medians of
// those peaks are compared (one odd repetition does not decide it).
func runDryRun(e *env, reps int, out *Report) error {
	large, small := dryRunLoad(e.quick)
	src, err := e.emu.store(e.ctx, "dry-src")
	if err != nil {
		return err
	}
	dst, err := e.emu.store(e.ctx, "dry-dst")
	if err != nil {
		return err
	}
	group := large.count / small.count
	var inUse, live [2]uint64
	for i, c := range []struct {
		prefix string
		l      load
		group  int
	}{{"large/", large, 1}, {"small/", small, group}} {
		n := int64(c.l.count)
		ms, err := e.interleave(reps*c.group,
			side{name: "engine plan", objects: n, engine: true, run: func(ctx context.Context, _ int) error {
				plan, err := e.engine().Plan(ctx, e.spec("dryrun", "dry-src", c.prefix, "dry-dst", c.prefix, c.l))
				if err != nil {
					return err
				}
				return errCount("plan", plan.CopyFiles, n)
			}},
			side{name: "raw: list both sides", objects: n, run: func(ctx context.Context, _ int) error {
				s, _, err := rawListBoth(ctx, src, dst, c.prefix, c.prefix)
				if err == nil {
					err = errCount("source listing", s, n)
				}
				return err
			}},
		)
		if err != nil {
			return err
		}
		out.Rows = append(out.Rows, row(fmt.Sprintf("dry run over %s objects", count(c.l.count)), "raw: list both sides", n, ms[0], ms[1]))
		inUse[i], live[i] = groupPeaks(ms[0], c.group)
	}
	grow := 0.0
	if inUse[1] > 0 {
		grow = float64(inUse[0]) / float64(inUse[1])
	}
	out.Notes = append(out.Notes, fmt.Sprintf("Dry run, engine process, above its idle heap: peak heap in use %.1f MiB at %s objects "+
		"and %.1f MiB at %s; peak live heap (reachable at a GC) %.1f MiB and %.1f MiB. Medians over %d repetitions at %s and over "+
		"%d groups of %d at %s, so that each peak is taken over as many objects listed.",
		mib(inUse[0]), count(large.count), mib(inUse[1]), count(small.count), mib(live[0]), mib(live[1]),
		reps, count(large.count), reps, group, count(small.count)))
	out.Targets = append(out.Targets, Target{
		Name:  fmt.Sprintf("dry run: peak heap at %s / at %s objects", count(large.count), count(small.count)),
		Want:  fmt.Sprintf("<= %.1f", targetDryRunHeapGrow),
		Value: grow, Met: grow <= targetDryRunHeapGrow,
	})
	return nil
}

// groupPeaks splits the engine's repetitions into consecutive groups of g
// and returns the median over the groups of each group's peak heap in use
// and peak live heap.
func groupPeaks(ms []measurement, g int) (inUse, live uint64) {
	var groups []measurement
	for i := 0; i+g <= len(ms); i += g {
		var peak measurement
		for _, m := range ms[i : i+g] {
			peak.peakHeap = max(peak.peakHeap, m.peakHeap)
			peak.peakLive = max(peak.peakLive, m.peakLive)
		}
		groups = append(groups, peak)
	}
	return medianOf(groups, func(m measurement) uint64 { return m.peakHeap }),
		medianOf(groups, func(m measurement) uint64 { return m.peakLive })
}

// count writes n with thousands separators: 1,000,000.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// bytesize writes a power-of-two size: 4 KiB, 512 MiB, 2 GiB.
func bytesize(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}
