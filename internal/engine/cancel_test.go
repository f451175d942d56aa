package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// cancellingBucket cancels the run when its UploadPart has been called
// `after` times: a deterministic "Ctrl-C in the middle".
type cancellingBucket struct {
	storage.Bucket
	calls    atomic.Int64
	after    int64
	cancel   context.CancelFunc
	cancelAt atomic.Pointer[time.Time]
}

func (b *cancellingBucket) UploadPart(ctx context.Context, key, id string, n int, r io.Reader, size int64) (storage.Part, error) {
	if b.calls.Add(1) == b.after {
		now := time.Now()
		b.cancelAt.Store(&now)
		b.cancel()
	}
	return b.Bucket.UploadPart(ctx, key, id, n, r, size)
}

func TestCancelMidRunThenResume(t *testing.T) {
	for _, mode := range []OverwriteMode{OverwriteIfNewer, OverwriteAlways} {
		t.Run(string(mode), func(t *testing.T) {
			checkNoLeak(t)
			e := newEnv(t, ossemu.Config{})
			const objects = 20
			const size = 1<<20 + 777
			for i := range objects {
				e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("mp/%02d", i), Data: content(fmt.Sprint(i), size)})
			}
			spec := e.spec("cancel-"+string(mode), e.loc("src", "mp/", alice), e.loc("dst-sh", "mp/", alice))
			spec.PartSize, spec.MultipartThreshold, spec.Overwrite = 100<<10, 200<<10, mode
			spec.Limits.Parallelism = 4

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			cb := &cancellingBucket{after: 60, cancel: cancel}
			opts := e.opts
			opts.Open = func(ctx context.Context, ep storage.Endpoint) (storage.Bucket, error) {
				b, err := ossstore.Open(ctx, ep)
				if err != nil || ep.Bucket != "dst-sh" {
					return b, err
				}
				cb.Bucket = b
				return cb, nil
			}
			res, err := New(opts).Run(ctx, spec)
			returned := time.Now()
			if !errors.Is(err, context.Canceled) || res == nil || res.Status != report.StatusInterrupted {
				t.Fatalf("run: status %v, err %v", res, err)
			}
			if at := cb.cancelAt.Load(); at == nil || returned.Sub(*at) > 2*time.Second {
				t.Fatalf("returned %v after the cancel", returned.Sub(*at))
			}
			if ups := e.cloud.Uploads(""); len(ups) != 0 {
				t.Fatalf("unfinished multipart uploads after cancel: %+v", ups)
			}
			if res.Migrated.Files >= objects {
				t.Fatalf("everything migrated before the cancel (%d)", res.Migrated.Files)
			}
			sum := readSummary(t, e, spec, res.RunID)
			if sum.Status != report.StatusInterrupted || sum.Migrated != res.Migrated {
				t.Fatalf("summary %+v", sum)
			}
			firstDone := e.cloud.Succeeded("CompleteMultipartUpload")

			res2 := e.run(spec)
			if res2.Status != report.StatusFinished || res2.Migrated.Files+res.Migrated.Files != objects {
				t.Fatalf("resume: %s, migrated %d + %d", res2.Status, res.Migrated.Files, res2.Migrated.Files)
			}
			if got := e.cloud.Succeeded("CompleteMultipartUpload"); got != objects || got-firstDone != res2.Migrated.Files {
				t.Fatalf("%d objects completed over both runs (%d in the first), want each exactly once", got, firstDone)
			}
			for i := range objects {
				e.wantObject("dst-sh", fmt.Sprintf("mp/%02d", i), content(fmt.Sprint(i), size))
			}
		})
	}
}

func readSummary(t *testing.T, e *env, spec Spec, runID string) report.Summary {
	t.Helper()
	spec = spec.withDefaults()
	b, err := ossstore.Open(t.Context(), spec.Report.Location)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := report.ReadSummary(t.Context(), b, spec.Report.Prefix, spec.Name, runID)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
