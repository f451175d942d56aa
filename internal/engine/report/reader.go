package report

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// maxJSONBytes bounds what ReadLatest and ReadSummary read: a summary is a
// few kilobytes, so anything near this is not one.
const maxJSONBytes = 1 << 20

// ReadLatest reads a job's latest.json: which run is the newest.
func ReadLatest(ctx context.Context, b storage.Bucket, prefix, job string) (Latest, error) {
	if err := checkJob(prefix, job); err != nil {
		return Latest{}, err
	}
	key := LatestKey(prefix, job)
	var l Latest
	if err := readJSON(ctx, b, key, &l, fmt.Sprintf("no run of job %q has written a report under this prefix", job)); err != nil {
		return Latest{}, err
	}
	if err := checkVersion(b, key, l.FormatVersion); err != nil {
		return Latest{}, err
	}
	return l, nil
}

// ReadSummary reads a run's summary.json. It refuses a summary of a newer
// FormatVersion than this package writes.
func ReadSummary(ctx context.Context, b storage.Bucket, prefix, job, runID string) (Summary, error) {
	if err := checkRun(prefix, job, runID); err != nil {
		return Summary{}, err
	}
	key := SummaryKey(prefix, job, runID)
	var s Summary
	if err := readJSON(ctx, b, key, &s, fmt.Sprintf("job %q has no run %q here, or the run has not written its summary yet", job, runID)); err != nil {
		return Summary{}, err
	}
	if err := checkVersion(b, key, s.FormatVersion); err != nil {
		return Summary{}, err
	}
	return s, nil
}

// ReadRows calls fn for every row of chunks 1..chunks of a run's list (the
// summary's Chunks[list]), in the order they were added. It reads one chunk
// at a time and streams each, so memory does not grow with the number of
// rows. It stops at the first error; an error from fn is returned as it is,
// so that a caller can stop early with an error of its own.
func ReadRows(ctx context.Context, b storage.Bucket, prefix, job, runID string, list List, chunks int, fn func(Row) error) error {
	if err := checkRun(prefix, job, runID); err != nil {
		return err
	}
	if !list.Valid() {
		return fmt.Errorf("report: unknown list %q", list)
	}
	for n := 1; n <= chunks; n++ {
		if err := readChunk(ctx, b, ChunkKey(prefix, job, runID, list, n), fn); err != nil {
			return err
		}
	}
	return nil
}

// ListRuns returns the IDs of a job's runs that left a report prefix, in
// ascending order (which is the order they started, see NewRunID).
func ListRuns(ctx context.Context, b storage.Bucket, prefix, job string) ([]string, error) {
	if err := checkJob(prefix, job); err != nil {
		return nil, err
	}
	jobPrefix := JobPrefix(prefix, job)
	var runs []string
	opts := storage.ListOptions{Prefix: jobPrefix, Delimiter: "/"}
	for {
		page, err := b.List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("report: list runs under %s: %w", location(b, jobPrefix), err)
		}
		for _, p := range page.CommonPrefixes {
			runs = append(runs, strings.TrimSuffix(strings.TrimPrefix(p, jobPrefix), "/"))
		}
		if page.NextToken == "" {
			return runs, nil
		}
		opts.ContinuationToken = page.NextToken
	}
}

// open starts reading key; a missing object gives an error that names it and
// says why it may be missing (hint), wrapping the *storage.Error.
func open(ctx context.Context, b storage.Bucket, key, hint string) (io.ReadCloser, error) {
	rc, _, err := b.Get(ctx, key, 0, -1, "")
	if err != nil {
		var se *storage.Error
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound && se.Code != "NoSuchBucket" {
			return nil, fmt.Errorf("report: %s not found: %s: %w", location(b, key), hint, err)
		}
		return nil, fmt.Errorf("report: read %s: %w", location(b, key), err)
	}
	return rc, nil
}

func readJSON(ctx context.Context, b storage.Bucket, key string, v any, hint string) error {
	rc, err := open(ctx, b, key, hint)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, maxJSONBytes+1))
	if err != nil {
		return fmt.Errorf("report: read %s: %w", location(b, key), err)
	}
	if len(data) > maxJSONBytes {
		return fmt.Errorf("report: %s is larger than %d bytes: not a report file", location(b, key), maxJSONBytes)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("report: %s is not a valid report file: %w", location(b, key), err)
	}
	return nil
}

func checkVersion(b storage.Bucket, key string, v int) error {
	switch {
	case v > FormatVersion:
		return fmt.Errorf("report: %s has format_version %d, newer than the %d this provider reads: upgrade the provider to read it",
			location(b, key), v, FormatVersion)
	case v < 1:
		return fmt.Errorf("report: %s has no valid format_version (%d): not a report file", location(b, key), v)
	}
	return nil
}

func readChunk(ctx context.Context, b storage.Bucket, key string, fn func(Row) error) error {
	rc, err := open(ctx, b, key, "the report is incomplete or the summary is from a different run")
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()

	r := csv.NewReader(rc)
	r.ReuseRecord = true
	// FieldsPerRecord 0: the header sets it, and checkHeader accepts only
	// numColumns fields.
	rec, err := r.Read()
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("report: %s is empty: it should start with a header line", location(b, key))
	case err != nil:
		return fmt.Errorf("report: read %s: %w", location(b, key), err)
	}
	if err := checkHeader(rec); err != nil {
		return fmt.Errorf("report: %s: %w", location(b, key), err)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("report: read %s: %w", location(b, key), err)
		}
		row, err := parseRow(rec)
		if err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("report: %s line %d: %w", location(b, key), line, err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}
