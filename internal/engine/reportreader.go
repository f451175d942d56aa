package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// ReportReader reads one job's reports (the data source and import use it).
type ReportReader struct {
	b      storage.Bucket
	prefix string
	job    string
}

// OpenReport opens the reports at location ("oss://<bucket>/<prefix><job>/"),
// reaching the bucket through ep (whose Bucket is replaced by the location's).
func (e *Engine) OpenReport(ctx context.Context, ep storage.Endpoint, location string) (*ReportReader, error) {
	bucket, jobPrefix, err := report.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	ep.Bucket = bucket
	b, err := e.opts.Open(ctx, ep)
	if err != nil {
		return nil, fmt.Errorf("open report bucket %s: %w", bucket, err)
	}
	prefix, job := report.SplitJobPrefix(jobPrefix)
	retry := &retrier{clock: e.opts.Clock, attempts: e.opts.MaxAttempts, base: e.opts.RetryBaseDelay, limit: e.opts.RetryMaxDelay}
	return &ReportReader{b: retryingBucket{Bucket: b, retry: retry}, prefix: prefix, job: job}, nil
}

// Job is the job name the location names.
func (r *ReportReader) Job() string { return r.job }

// Prefix is the report prefix the location names.
func (r *ReportReader) Prefix() string { return r.prefix }

// Bucket is the report bucket's name.
func (r *ReportReader) Bucket() string { return r.b.Name() }

// Summary reads a run's summary.json; an empty runID means the newest run.
func (r *ReportReader) Summary(ctx context.Context, runID string) (report.Summary, error) {
	if runID == "" {
		latest, err := report.ReadLatest(ctx, r.b, r.prefix, r.job)
		if err != nil {
			return report.Summary{}, err
		}
		runID = latest.RunID
	}
	return report.ReadSummary(ctx, r.b, r.prefix, r.job, runID)
}

// Rows streams one list of the run a summary describes.
func (r *ReportReader) Rows(ctx context.Context, s report.Summary, list report.List, fn func(report.Row) error) error {
	return report.ReadRows(ctx, r.b, r.prefix, r.job, s.RunID, list, s.Chunks[list], fn)
}

// Close releases the bucket handle.
func (r *ReportReader) Close() error {
	if c, ok := r.b.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
