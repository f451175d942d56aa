package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// DefaultChunkRows is how many rows a CSV file holds unless
// WriterOptions.ChunkRows says otherwise.
const DefaultChunkRows = 10000

// Content types of the report's files.
const (
	contentTypeJSON = "application/json"
	contentTypeCSV  = "text/csv"
)

// WriterOptions configure a Writer. Every zero value means the documented
// default.
type WriterOptions struct {
	// ChunkRows is how many rows one CSV file of a list holds; when a file is
	// full the list goes on in the next one. Default (also for values < 1):
	// DefaultChunkRows.
	ChunkRows int
}

// Writer writes one run's report: the chunked file lists as rows arrive
// (Add), the partial chunks on demand (Flush), and summary.json with
// latest.json (WriteSummary).
//
// The chunk being filled is rewritten by each Flush that finds new rows in
// it, so a crash loses at most the rows added since the last Flush. Its
// final, full version is written once, by the Add that fills it; no Flush
// writes it again. A failed write is not lost: the next Flush (or the Add
// that fills the next chunk of that list) writes it again. Until then its
// rows stay in memory.
//
// All methods are safe for concurrent use.
type Writer struct {
	b                  storage.Bucket
	prefix, job, runID string
	chunkRows          int
	// err is NewWriter's verdict on its arguments; every method returns it.
	err error

	// lists holds one state per List; the map itself is never changed after
	// NewWriter.
	lists map[List]*listState

	// summarySem (capacity 1) is held across WriteSummary, so that summaries
	// are written one at a time, in the order their callers got it.
	summarySem chan struct{}

	// mu guards the listState fields marked so, in every list.
	mu sync.Mutex
}

// listState is one list's chunks.
type listState struct {
	list List
	// sem (capacity 1) is held across every Put of this list's files, so
	// that they are written in the order their contents were taken: a chunk
	// is never overwritten by an older version of itself.
	sem chan struct{}

	// Guarded by Writer.mu:
	n     int         // number of the chunk being filled, from 1
	rows  int         // rows in chunk n
	text  *sink       // chunk n's CSV text, header included; only ever appended to
	csv   *csv.Writer // writes into text; flushed after every record
	dirty bool        // chunk n has rows that its last write (if any) lacks
	full  []chunk     // chunks with ChunkRows rows not written yet, oldest first
	// written is how many chunks exist in the bucket: 1..written. Chunks are
	// written in order, so the numbers are contiguous.
	written int
}

// chunk is a full chunk waiting for its write.
type chunk struct {
	n    int
	text []byte
}

// sink collects what a csv.Writer writes. Its bytes are only appended to,
// so a slice of them taken earlier stays valid while more rows arrive.
type sink struct{ b []byte }

func (s *sink) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// headerText is the first line of every CSV file.
var headerText = func() []byte {
	var s sink
	w := csv.NewWriter(&s)
	_ = w.Write(header) // a sink never fails
	w.Flush()
	return s.b
}()

// NewWriter returns a Writer of run runID of job job, under prefix ("" or
// ending with "/") in bucket b. Invalid names (an empty job or run ID, one
// with "/", a prefix without its trailing "/") make every method of the
// Writer return an error saying so; nothing is written.
func NewWriter(b storage.Bucket, prefix, job, runID string, opts WriterOptions) *Writer {
	w := &Writer{
		b:          b,
		prefix:     prefix,
		job:        job,
		runID:      runID,
		chunkRows:  opts.ChunkRows,
		err:        checkRun(prefix, job, runID),
		lists:      make(map[List]*listState, len(Lists)),
		summarySem: make(chan struct{}, 1),
	}
	if w.chunkRows < 1 {
		w.chunkRows = DefaultChunkRows
	}
	for _, list := range Lists {
		l := &listState{list: list, sem: make(chan struct{}, 1), n: 1, text: &sink{}}
		l.csv = csv.NewWriter(l.text)
		l.text.b = append(make([]byte, 0, 4096), headerText...)
		w.lists[list] = l
	}
	return w
}

// Add appends row to list. When that fills the list's current chunk
// (ChunkRows rows), Add writes the chunk before it returns and starts the
// next one. An error means that write failed: the row is kept all the same
// (do not add it again) and the write is retried by the next Flush.
func (w *Writer) Add(ctx context.Context, list List, row Row) error {
	if w.err != nil {
		return w.err
	}
	l, ok := w.lists[list]
	if !ok {
		return fmt.Errorf("report: unknown list %q", list)
	}
	w.mu.Lock()
	_ = writeRow(l.csv, row) // a sink never fails
	l.csv.Flush()
	l.rows++
	l.dirty = true
	filled := l.rows >= w.chunkRows
	if filled {
		l.full = append(l.full, chunk{n: l.n, text: l.text.b})
		l.n++
		l.rows = 0
		l.dirty = false
		l.text.b = append(make([]byte, 0, cap(l.text.b)), headerText...)
	}
	w.mu.Unlock()
	if !filled {
		return nil
	}
	return w.write(ctx, l, false)
}

// Flush writes, for every list, the full chunks not written yet and the
// chunk being filled if rows arrived since its last write. Lists without
// new rows cost nothing. It tries every list and returns all errors.
func (w *Writer) Flush(ctx context.Context) error {
	if w.err != nil {
		return w.err
	}
	var errs []error
	for _, list := range Lists {
		if err := w.write(ctx, w.lists[list], true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// write writes l's full chunks not written yet, oldest first, then, when
// partial is set, the chunk being filled if it is dirty. It stops at the
// first failure, leaving what is unwritten for the next call.
func (w *Writer) write(ctx context.Context, l *listState, partial bool) error {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("report: write %s list: %w", l.list, ctx.Err())
	}
	defer func() { <-l.sem }()

	for {
		w.mu.Lock()
		if len(l.full) > 0 {
			c := l.full[0]
			w.mu.Unlock()
			if err := w.put(ctx, ChunkKey(w.prefix, w.job, w.runID, l.list, c.n), c.text, contentTypeCSV); err != nil {
				return err
			}
			w.mu.Lock()
			l.full[0] = chunk{}
			l.full = l.full[1:]
			l.written = c.n
			w.mu.Unlock()
			continue
		}
		// No full chunk is waiting, so chunks 1..n-1 are written and
		// writing chunk n keeps the written numbers contiguous.
		if !partial || !l.dirty {
			w.mu.Unlock()
			return nil
		}
		n, text := l.n, l.text.b[:len(l.text.b):len(l.text.b)]
		l.dirty = false
		w.mu.Unlock()

		err := w.put(ctx, ChunkKey(w.prefix, w.job, w.runID, l.list, n), text, contentTypeCSV)
		w.mu.Lock()
		switch {
		case err == nil:
			l.written = n
		case l.n == n:
			l.dirty = true // still the chunk being filled: the next Flush tries again
		}
		// Otherwise chunk n filled meanwhile and waits in l.full.
		w.mu.Unlock()
		return err
	}
}

// Chunks says how many CSV files each list has in the bucket so far: a
// reader finds chunks 1..Chunks()[list]. Every List is in the map.
func (w *Writer) Chunks() map[List]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make(map[List]int, len(w.lists))
	for list, l := range w.lists {
		m[list] = l.written
	}
	return m
}

// WriteSummary flushes the lists (as Flush does), then writes summary.json
// and latest.json (pointing at this run). The writer fills in s's
// FormatVersion, Job, RunID and Chunks (what the bucket holds after the
// flush); times are written in UTC; a NaN or infinite rate is written as 0.
// The summary is written even when the flush failed, as its Chunks say
// what was written; the error then includes the flush's.
func (w *Writer) WriteSummary(ctx context.Context, s Summary) error {
	if w.err != nil {
		return w.err
	}
	select {
	case w.summarySem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("report: write %s: %w", SummaryName, ctx.Err())
	}
	defer func() { <-w.summarySem }()

	flushErr := w.Flush(ctx)

	s.FormatVersion = FormatVersion
	s.Job = w.job
	s.RunID = w.runID
	s.Chunks = w.Chunks()
	s.StartedAt = s.StartedAt.UTC()
	s.UpdatedAt = s.UpdatedAt.UTC()
	if s.FinishedAt != nil {
		t := s.FinishedAt.UTC()
		s.FinishedAt = &t
	}
	if r := s.Progress.BytesPerSecond; math.IsNaN(r) || math.IsInf(r, 0) {
		s.Progress.BytesPerSecond = 0
	}
	if err := w.putJSON(ctx, SummaryKey(w.prefix, w.job, w.runID), s); err != nil {
		return errors.Join(flushErr, err)
	}
	latest := Latest{
		FormatVersion: FormatVersion,
		Job:           w.job,
		RunID:         w.runID,
		Status:        s.Status,
		UpdatedAt:     s.UpdatedAt,
	}
	return errors.Join(flushErr, w.putJSON(ctx, LatestKey(w.prefix, w.job), latest))
}

// putJSON writes v as JSON indented by two spaces, with a trailing newline
// and without HTML escaping (error messages keep their '<' and '&').
func (w *Writer) putJSON(ctx context.Context, key string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("report: encode %s: %w", location(w.b, key), err)
	}
	return w.put(ctx, key, buf.Bytes(), contentTypeJSON)
}

func (w *Writer) put(ctx context.Context, key string, data []byte, contentType string) error {
	_, err := w.b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), storage.Metadata{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("report: write %s: %w", location(w.b, key), err)
	}
	return nil
}

// location names an object the way users see it in messages.
func location(b storage.Bucket, key string) string {
	return locationScheme + b.Name() + "/" + key
}
