package engine

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// lineWatcher is a log sink that signals when `times` lines containing want
// have appeared.
type lineWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	times int
	count int
	seen  chan struct{}
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(string(p), w.want) {
		w.count++
		if w.count == w.times {
			close(w.seen)
		}
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// blockingBucket holds every Put until release is closed.
type blockingBucket struct {
	storage.Bucket
	release chan struct{}
}

func (b *blockingBucket) Put(ctx context.Context, key string, r io.Reader, size int64, meta storage.Metadata) (storage.PutResult, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
		return storage.PutResult{}, ctx.Err()
	}
	return b.Bucket.Put(ctx, key, r, size, meta)
}

// TestProgressIsLoggedAndWrittenWhileRunning: while a run is in progress
// the engine logs progress lines at INFO and keeps summary.json current,
// and the secret key appears in neither.
func TestProgressIsLoggedAndWrittenWhileRunning(t *testing.T) {
	checkNoLeak(t)
	e := newEnv(t, ossemu.Config{})
	for _, k := range []string{"a", "b", "c"} {
		e.put("src", ossemu.ObjectSpec{Key: "pg/" + k, Data: []byte(k)})
	}
	// Each tick logs, then rewrites summary.json: once a second tick has
	// logged all three objects listed, the first tick's summary is written.
	watch := &lineWatcher{want: "files_total=3", times: 2, seen: make(chan struct{})}
	opts := e.opts
	opts.Logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Info, Output: watch})
	opts.ProgressInterval = 5 * time.Millisecond
	bb := &blockingBucket{release: make(chan struct{})}
	opts.Open = func(ctx context.Context, ep storage.Endpoint) (storage.Bucket, error) {
		b, err := ossstore.Open(ctx, ep)
		if err != nil || ep.Bucket != "dst-sh" {
			return b, err
		}
		bb.Bucket = b
		return bb, nil
	}
	spec := e.spec("progress", e.loc("src", "pg/", alice), e.loc("dst-sh", "pg/", alice))
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := New(opts).Run(t.Context(), spec)
		done <- outcome{res, err}
	}()
	select {
	case <-watch.seen:
	case o := <-done:
		t.Fatalf("run ended before any progress line: %+v %v", o.res, o.err)
	}
	// While the copies are held, the live summary says running.
	reports, err := ossstore.Open(t.Context(), spec.Report.Location)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := report.ReadLatest(t.Context(), reports, DefaultReportPrefix, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	live, err := report.ReadSummary(t.Context(), reports, DefaultReportPrefix, spec.Name, latest.RunID)
	if err != nil || live.Status != report.StatusRunning || live.Total.Files != 3 || live.Migrated.Files != 0 {
		t.Fatalf("live summary %+v, %v", live, err)
	}
	close(bb.release)
	o := <-done
	if o.err != nil || o.res.Migrated.Files != 3 {
		t.Fatalf("%+v %v", o.res, o.err)
	}
	logs := watch.String()
	for _, want := range []string{"run started", "progress:", "files_done=", "bytes_per_second=", "eta_seconds=", "run done"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "alice-secret") || strings.Contains(logs, testAccounts[0].AccessKeyID) {
		t.Errorf("logs contain credentials:\n%s", logs)
	}
}
