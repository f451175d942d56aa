package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// FailedFile is an object that could not be migrated.
type FailedFile struct {
	Key   string
	Error string
}

// Result is the outcome of a run.
type Result struct {
	RunID      string
	Status     string // report.StatusFinished, StatusFailed or StatusInterrupted
	StartedAt  time.Time
	FinishedAt time.Time

	Planned  report.Counts
	Total    report.Counts
	Migrated report.Counts
	Skipped  report.Counts
	Failed   report.Counts

	// PlannedKeys are the first Options.PlanKeys keys the run set out to
	// copy, in key order: PlanResult.FirstKeys of the listing it ran.
	PlannedKeys []string

	// MigratedKeys and FailedFiles are the first Options.ResultKeys of each,
	// in the order they finished; the truncated flags say whether more exist.
	MigratedKeys      []string
	MigratedTruncated bool
	FailedFiles       []FailedFile
	FailedTruncated   bool
	SkippedArchived   []string
	ArchivedTruncated bool
	CopyMethod        string // server_side, stream, mixed or none
	ReportLocation    string // oss://bucket/prefix/job/
	ListRequests      int64
	Error             string // why a failed run stopped, if it stopped early
}

// session holds what one Plan or Run opened.
type session struct {
	spec               Spec
	src, dst, reportTo storage.Bucket
	retry              *retrier
	pool               *adaptivePool
	listRequests       atomic.Int64
	log                hclog.Logger
	opts               Options
}

func (e *Engine) open(ctx context.Context, spec Spec) (*session, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	s := &session{spec: spec, opts: e.opts, log: e.opts.Logger.With("job", spec.Name)}
	s.pool = newAdaptivePool(spec.Limits.Parallelism)
	s.retry = &retrier{clock: e.opts.Clock, attempts: e.opts.MaxAttempts, base: e.opts.RetryBaseDelay, limit: e.opts.RetryMaxDelay, pool: s.pool,
		onRetry: func(what string, attempt int, err error) {
			s.log.Debug("retrying", "what", what, "attempt", attempt, "error", err)
		}}
	var err error
	if s.src, err = e.opts.Open(ctx, spec.Source.Endpoint); err != nil {
		return nil, fmt.Errorf("open source bucket %s: %w", spec.Source.Bucket, err)
	}
	if s.dst, err = e.opts.Open(ctx, spec.Destination.Endpoint); err != nil {
		s.close()
		return nil, fmt.Errorf("open destination bucket %s: %w", spec.Destination.Bucket, err)
	}
	s.reportTo = s.dst
	if spec.Report.Location != spec.Destination.Endpoint {
		if s.reportTo, err = e.opts.Open(ctx, spec.Report.Location); err != nil {
			s.close()
			return nil, fmt.Errorf("open report bucket %s: %w", spec.Report.Location.Bucket, err)
		}
	}
	return s, nil
}

// close releases the bucket handles (their idle connections).
func (s *session) close() {
	for _, b := range []storage.Bucket{s.src, s.dst, s.reportTo} {
		if c, ok := b.(io.Closer); ok {
			_ = c.Close()
		}
	}
}

func (s *session) planner() (*planner, error) {
	m, err := newMatcher(s.spec.Filter)
	if err != nil {
		return nil, err
	}
	mk := func(b storage.Bucket, prefix string) *lister {
		l := &lister{b: b, prefix: prefix, parallel: s.opts.ListParallelism, retry: s.retry.do, requests: &s.listRequests}
		// The job's reports are never data: exclude them wherever they
		// would show up in a listing.
		if b.Name() == s.spec.Report.Location.Bucket {
			l.exclude = report.JobPrefix(s.spec.Report.Prefix, s.spec.Name)
		}
		return l
	}
	return &planner{spec: &s.spec, m: m, src: mk(s.src, s.spec.Source.Prefix), dst: mk(s.dst, s.spec.Destination.Prefix)}, nil
}

// Plan is a dry run: it lists both sides and says what a run would copy,
// without per-object requests and in memory that does not grow with the
// number of objects.
func (e *Engine) Plan(ctx context.Context, spec Spec) (*PlanResult, error) {
	start := e.opts.Clock.Now()
	s, err := e.open(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer s.close()
	p, err := s.planner()
	if err != nil {
		return nil, err
	}
	res := &PlanResult{}
	last := start
	err = p.run(ctx, func(d decision) error {
		res.SourceFiles++
		res.SourceBytes += d.src.Size
		if d.act == actCopy {
			res.CopyFiles++
			res.CopyBytes += d.src.Size
			if len(res.FirstKeys) < e.opts.PlanKeys {
				res.FirstKeys = append(res.FirstKeys, d.src.Key)
			}
		} else {
			res.SkipFiles++
			res.SkipBytes += d.src.Size
			if d.archived {
				res.ArchivedFiles++
			}
		}
		if now := e.opts.Clock.Now(); now.Sub(last) >= e.opts.ProgressInterval {
			last = now
			s.log.Info("planning", "listed", res.SourceFiles, "to_copy", res.CopyFiles, "bytes_to_copy", res.CopyBytes)
		}
		return nil
	})
	res.ListRequests = s.listRequests.Load()
	res.Duration = e.opts.Clock.Now().Sub(start)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", spec.Name, err)
	}
	s.log.Info("plan done", "source_files", res.SourceFiles, "to_copy", res.CopyFiles, "bytes_to_copy", res.CopyBytes,
		"list_requests", res.ListRequests, "duration", res.Duration)
	return res, nil
}

// tally counts a run's outcome; safe for concurrent use.
type tally struct {
	mu                                 sync.Mutex
	planned, migrated, skipped         report.Counts
	failed                             report.Counts
	plannedKeys, migratedKeys          []string
	failedFiles                        []FailedFile
	archived                           []string
	migratedMore, failedMore, archMore bool
	limit                              int
	serverSide, streamed               int64
}

// total is every source object listed: each is planned or skipped.
func (t *tally) total() report.Counts {
	return report.Counts{Files: t.planned.Files + t.skipped.Files, Bytes: t.planned.Bytes + t.skipped.Bytes}
}

func (t *tally) add(c *report.Counts, size int64) {
	c.Files++
	c.Bytes += size
}

// Run executes the migration and writes its report. It returns a Result
// whenever the run started (also when it failed or was interrupted) and an
// error when it could not start or stopped on a fatal error.
func (e *Engine) Run(ctx context.Context, spec Spec) (*Result, error) {
	s, err := e.open(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer s.close()
	// Settings as configured (before defaults), so an import can rebuild
	// the configuration.
	settings := spec.settings()
	settings.ReportBucket, settings.ReportPrefix = s.spec.Report.Location.Bucket, s.spec.Report.Prefix
	spec = s.spec
	clock := e.opts.Clock
	started := clock.Now().UTC()
	runID := report.NewRunID(started, rand.Reader)
	log := s.log.With("run_id", runID)
	w := report.NewWriter(retryingBucket{Bucket: s.reportTo, retry: s.retry}, spec.Report.Prefix, spec.Name, runID, report.WriterOptions{ChunkRows: e.opts.ReportChunkRows})
	t := &tally{limit: e.opts.ResultKeys}
	res := &Result{RunID: runID, StartedAt: started, ReportLocation: report.FormatLocation(s.reportTo.Name(), spec.Report.Prefix, spec.Name)}

	digest := spec.Digest()
	summary := func(status string, finished *time.Time, errMsg string) report.Summary {
		t.mu.Lock()
		defer t.mu.Unlock()
		now := clock.Now().UTC()
		done := t.migrated.Files + t.skipped.Files + t.failed.Files
		elapsed := now.Sub(started).Seconds()
		rate := 0.0
		if elapsed > 0 {
			rate = float64(t.migrated.Bytes) / elapsed
		}
		eta := int64(0)
		if rate > 0 && t.planned.Bytes > t.migrated.Bytes {
			eta = int64(float64(t.planned.Bytes-t.migrated.Bytes) / rate)
		}
		return report.Summary{
			Job: spec.Name, RunID: runID, SpecDigest: digest, Status: status, StartedAt: started, FinishedAt: finished, UpdatedAt: now,
			Source:      report.Location{Bucket: spec.Source.Bucket, Prefix: spec.Source.Prefix, Region: spec.Source.Region},
			Destination: report.Location{Bucket: spec.Destination.Bucket, Prefix: spec.Destination.Prefix, Region: spec.Destination.Region},
			Planned:     t.planned, Total: t.total(), Migrated: t.migrated, Skipped: t.skipped, Failed: t.failed,
			Progress:   report.Progress{FilesDone: done, BytesDone: t.migrated.Bytes, BytesPerSecond: rate, ETASeconds: eta},
			CopyMethod: methodName(t.serverSide, t.streamed), Error: errMsg, Settings: settings,
		}
	}
	if err := w.WriteSummary(ctx, summary(report.StatusRunning, nil, "")); err != nil {
		return nil, fmt.Errorf("write the report to %s: %w", res.ReportLocation, err)
	}
	log.Info("run started", "source", spec.Source.Bucket+"/"+spec.Source.Prefix, "destination", spec.Destination.Bucket+"/"+spec.Destination.Prefix,
		"report", res.ReportLocation)

	p, err := s.planner()
	if err != nil {
		return nil, err
	}
	thr := newThrottle(clock, spec.Limits)
	cp := newCopier(&s.spec, s.src, s.dst, s.retry, thr, log, e.opts.ObjectAttempts)
	work := make(chan decision, spec.Limits.Parallelism)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(work)
		return p.run(gctx, func(d decision) error {
			t.mu.Lock()
			if d.act == actCopy {
				t.add(&t.planned, d.src.Size)
				if len(t.plannedKeys) < e.opts.PlanKeys {
					t.plannedKeys = append(t.plannedKeys, d.src.Key)
				}
			} else {
				t.add(&t.skipped, d.src.Size)
				if d.archived {
					if len(t.archived) < t.limit {
						t.archived = append(t.archived, d.src.Key)
					} else {
						t.archMore = true
					}
				}
			}
			t.mu.Unlock()
			row := rowOf(d)
			if err := w.Add(gctx, report.ListTotal, row); err != nil {
				return err
			}
			if d.act == actSkip {
				row.Reason = d.reason
				return w.Add(gctx, report.ListSkipped, row)
			}
			select {
			case work <- d:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	for range spec.Limits.Parallelism {
		g.Go(func() error {
			for d := range work {
				if err := s.pool.acquire(gctx); err != nil {
					return err
				}
				err := thr.waitFile(gctx)
				var out copied
				if err == nil {
					out, err = cp.copy(gctx, d)
				}
				s.pool.release()
				if err != nil && (gctx.Err() != nil || classify(err) == classFatal) {
					return err
				}
				if err := e.record(gctx, w, t, d, out, err, log); err != nil {
					return err
				}
			}
			return nil
		})
	}
	progressDone := make(chan struct{})
	var progressWG sync.WaitGroup
	progressWG.Add(1)
	go func() {
		defer progressWG.Done()
		for {
			select {
			case <-progressDone:
				return
			case <-clock.After(e.opts.ProgressInterval):
				sum := summary(report.StatusRunning, nil, "")
				log.Info("progress", "files_done", sum.Progress.FilesDone, "files_total", sum.Total.Files,
					"migrated", sum.Migrated.Files, "failed", sum.Failed.Files, "bytes", sum.Migrated.Bytes,
					"bytes_per_second", int64(sum.Progress.BytesPerSecond), "eta_seconds", sum.Progress.ETASeconds)
				// Flushes the lists too; a failure is retried at the next tick.
				_ = w.WriteSummary(gctx, sum)
			}
		}
	}()
	runErr := g.Wait()
	close(progressDone)
	progressWG.Wait()

	finished := clock.Now().UTC()
	res.FinishedAt = finished
	res.ListRequests = s.listRequests.Load()
	status := report.StatusFinished
	errMsg := ""
	switch {
	case ctx.Err() != nil:
		status = report.StatusInterrupted
		errMsg = "interrupted: " + context.Cause(ctx).Error()
	case runErr != nil:
		status = report.StatusFailed
		errMsg = runErr.Error()
	case t.failed.Files > int64(spec.MaxFailedFiles):
		status = report.StatusFailed
		errMsg = fmt.Sprintf("%d files failed, more than max_failed_files (%d)", t.failed.Files, spec.MaxFailedFiles)
	}
	res.Status, res.Error = status, errMsg
	// The report is finished even when ctx is cancelled: an interrupted run
	// leaves a true report behind.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	// WriteSummary flushes the lists first and writes the summary even when
	// that fails (its chunk counts then say what was written), so the report
	// never stays "running".
	reportErr := w.WriteSummary(fctx, summary(status, &finished, errMsg))
	t.mu.Lock()
	res.Planned, res.Total, res.Migrated, res.Skipped, res.Failed = t.planned, t.total(), t.migrated, t.skipped, t.failed
	res.PlannedKeys = t.plannedKeys
	res.MigratedKeys, res.MigratedTruncated = t.migratedKeys, t.migratedMore
	res.FailedFiles, res.FailedTruncated = t.failedFiles, t.failedMore
	res.SkippedArchived, res.ArchivedTruncated = t.archived, t.archMore
	res.CopyMethod = methodName(t.serverSide, t.streamed)
	t.mu.Unlock()
	log.Info("run done", "status", status, "migrated", res.Migrated.Files, "bytes", res.Migrated.Bytes, "skipped", res.Skipped.Files,
		"failed", res.Failed.Files, "list_requests", res.ListRequests, "duration", finished.Sub(started))
	switch {
	case status == report.StatusInterrupted:
		return res, errors.Join(ctx.Err(), reportErr)
	case runErr != nil:
		return res, errors.Join(runErr, reportErr)
	case reportErr != nil:
		return res, fmt.Errorf("write the report to %s: %w", res.ReportLocation, reportErr)
	}
	return res, nil
}

// record books one copied or failed object into the tally and the report.
// Both happen under the tally's lock, so the bounded key lists in the
// Result are exactly the first rows of the report's lists (import relies
// on it).
func (e *Engine) record(ctx context.Context, w *report.Writer, t *tally, d decision, out copied, copyErr error, log hclog.Logger) error {
	row := rowOf(d)
	t.mu.Lock()
	defer t.mu.Unlock()
	if copyErr != nil {
		t.add(&t.failed, d.src.Size)
		msg := copyErr.Error()
		if isSourceGone(copyErr) {
			msg = "source changed or vanished during the run: " + msg
		}
		row.Reason = msg
		if len(t.failedFiles) < t.limit {
			t.failedFiles = append(t.failedFiles, FailedFile{Key: d.src.Key, Error: msg})
		} else {
			t.failedMore = true
		}
		log.Warn("object failed", "key", d.src.Key, "error", copyErr)
		return w.Add(ctx, report.ListFailed, row)
	}
	t.add(&t.migrated, out.size)
	row.Size, row.CRC64, row.HasCRC64, row.ETag, row.LastModified = out.size, out.crc, out.hasCRC, out.etag, out.modified
	if len(t.migratedKeys) < t.limit {
		t.migratedKeys = append(t.migratedKeys, d.src.Key)
	} else {
		t.migratedMore = true
	}
	if out.method == methodServerSide {
		t.serverSide++
	} else {
		t.streamed++
	}
	log.Debug("object migrated", "key", d.src.Key, "bytes", out.size, "method", out.method)
	return w.Add(ctx, report.ListCompleted, row)
}

// rowOf is the report row of a decision's source object.
func rowOf(d decision) report.Row {
	return report.Row{SourceKey: d.src.Key, DestinationKey: d.dstKey, Size: d.src.Size, LastModified: d.src.LastModified, ETag: d.src.ETag}
}

func methodName(serverSide, streamed int64) string {
	switch {
	case serverSide > 0 && streamed > 0:
		return "mixed"
	case serverSide > 0:
		return methodServerSide
	case streamed > 0:
		return methodStream
	}
	return "none"
}
