package report

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	testPrefix = ".ossmigrate/"
	testJob    = "nightly"
	testRun    = "20261125T031500Z-1a2b3c"
)

// row returns a row whose keys carry i.
func row(i int) Row {
	return Row{
		SourceKey:      fmt.Sprintf("src/%04d.txt", i),
		DestinationKey: fmt.Sprintf("dst/%04d.txt", i),
		Size:           int64(i),
		CRC64:          uint64(i) * 1000003,
		HasCRC64:       true,
		LastModified:   time.Date(2026, 11, 1, 0, 0, i%60, 0, time.UTC),
		ETag:           fmt.Sprintf("ETAG%04d", i),
	}
}

// chunkRows reads chunk n of list as the bucket holds it.
func chunkRows(t *testing.T, b *fakeBucket, list List, n int) []Row {
	t.Helper()
	var rows []Row
	key := ChunkKey(testPrefix, testJob, testRun, list, n)
	if err := readChunk(context.Background(), b, key, func(r Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return rows
}

func chunkKey(list List, n int) string { return ChunkKey(testPrefix, testJob, testRun, list, n) }

// TestWriterChunking follows 7 rows into chunks of 3 through Adds and
// Flushes, asserting every Put.
func TestWriterChunking(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 3})

	add := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := w.Add(ctx, ListCompleted, row(i)); err != nil {
				t.Fatalf("Add %d: %v", i, err)
			}
		}
	}
	type step struct {
		name   string
		do     func()
		puts   map[string]int // every Put so far, by key
		chunks int            // w.Chunks()[ListCompleted]
	}
	c1, c2, c3 := chunkKey(ListCompleted, 1), chunkKey(ListCompleted, 2), chunkKey(ListCompleted, 3)
	steps := []step{
		{"two rows stay buffered", func() { add(0, 2) }, map[string]int{}, 0},
		{"flush writes the partial chunk 1", func() { mustFlush(t, w) }, map[string]int{c1: 1}, 1},
		{"a flush without new rows writes nothing", func() { mustFlush(t, w) }, map[string]int{c1: 1}, 1},
		{"the third row fills and rewrites chunk 1", func() { add(2, 3) }, map[string]int{c1: 2}, 1},
		{"a flush does not rewrite a full chunk", func() { mustFlush(t, w) }, map[string]int{c1: 2}, 1},
		{"three more rows write chunk 2 once", func() { add(3, 6) }, map[string]int{c1: 2, c2: 1}, 2},
		{"the seventh row stays buffered", func() { add(6, 7) }, map[string]int{c1: 2, c2: 1}, 2},
		{"flush writes the partial chunk 3", func() { mustFlush(t, w) }, map[string]int{c1: 2, c2: 1, c3: 1}, 3},
		{"and then nothing", func() { mustFlush(t, w) }, map[string]int{c1: 2, c2: 1, c3: 1}, 3},
	}
	for _, s := range steps {
		s.do()
		if got := b.putCounts(); !equalCounts(got, s.puts) {
			t.Fatalf("after %q: puts %v, want %v", s.name, got, s.puts)
		}
		if got := w.Chunks()[ListCompleted]; got != s.chunks {
			t.Fatalf("after %q: Chunks()[completed] = %d, want %d", s.name, got, s.chunks)
		}
	}

	for n, want := range [][]Row{{row(0), row(1), row(2)}, {row(3), row(4), row(5)}, {row(6)}} {
		got := chunkRows(t, b, ListCompleted, n+1)
		if !equalRows(got, want) {
			t.Errorf("chunk %d:\n got %v\nwant %v", n+1, got, want)
		}
	}
	for _, key := range []string{c1, c2, c3} {
		if o, _ := b.object(key); o.contentType != "text/csv" {
			t.Errorf("%s: Content-Type %q, want text/csv", key, o.contentType)
		}
	}

	// WriteSummary has nothing to flush: it adds summary.json and latest.json.
	if err := w.WriteSummary(ctx, Summary{Status: StatusFinished}); err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}
	if got := b.totalPuts(); got != 6 {
		t.Errorf("Puts after WriteSummary: %d, want 6 (%v)", got, b.putCounts())
	}
	s, err := ReadSummary(ctx, b, testPrefix, testJob, testRun)
	if err != nil {
		t.Fatalf("ReadSummary: %v", err)
	}
	want := map[List]int{ListTotal: 0, ListCompleted: 3, ListSkipped: 0, ListFailed: 0}
	if !equalChunks(s.Chunks, want) {
		t.Errorf("summary chunks %v, want %v", s.Chunks, want)
	}
}

func mustFlush(t *testing.T, w *Writer) {
	t.Helper()
	if err := w.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func equalChunks(a, b map[List]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func equalRows(a, b []Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalRow(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalRow(a, b Row) bool {
	if !a.LastModified.Equal(b.LastModified) {
		return false
	}
	a.LastModified, b.LastModified = time.Time{}, time.Time{}
	return a == b
}

// TestWriterFlushOnlyDirtyLists checks that a Flush writes only the lists
// with new rows.
func TestWriterFlushOnlyDirtyLists(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{})
	for _, list := range Lists {
		if err := w.Add(ctx, list, row(1)); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, w)
	if got := b.totalPuts(); got != len(Lists) {
		t.Fatalf("first flush: %d Puts, want %d", got, len(Lists))
	}
	if err := w.Add(ctx, ListFailed, row(2)); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, w)
	want := map[string]int{
		chunkKey(ListTotal, 1): 1, chunkKey(ListCompleted, 1): 1, chunkKey(ListSkipped, 1): 1, chunkKey(ListFailed, 1): 2,
	}
	if got := b.putCounts(); !equalCounts(got, want) {
		t.Errorf("puts %v, want %v", got, want)
	}
}

// TestWriterRetriesFailedWrites checks that a chunk whose write failed is
// kept and written by the next Flush, and that a summary still says only
// what the bucket holds.
func TestWriterRetriesFailedWrites(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 2})
	errDown := errors.New("store down")
	b.setBeforePut(func(key string) error {
		if strings.HasSuffix(key, ".csv") {
			return errDown
		}
		return nil
	})

	if err := w.Add(ctx, ListTotal, row(0)); err != nil {
		t.Fatalf("Add 0: %v", err)
	}
	err := w.Add(ctx, ListTotal, row(1)) // fills chunk 1
	if !errors.Is(err, errDown) || !strings.Contains(err.Error(), "oss://dst-bucket/"+chunkKey(ListTotal, 1)) {
		t.Fatalf("Add filling a chunk while the store is down: %v, want the store's error naming the chunk", err)
	}
	if err := w.Add(ctx, ListTotal, row(2)); err != nil { // chunk 2, buffered
		t.Fatalf("Add 2: %v", err)
	}
	// The summary is written, and says no chunk exists yet.
	if err := w.WriteSummary(ctx, Summary{Status: StatusRunning}); !errors.Is(err, errDown) {
		t.Fatalf("WriteSummary while chunks fail: %v, want the store's error", err)
	}
	if s, err := ReadSummary(ctx, b, testPrefix, testJob, testRun); err != nil || s.Chunks[ListTotal] != 0 {
		t.Fatalf("ReadSummary = chunks %v, %v; want total 0", s.Chunks, err)
	}

	b.setBeforePut(nil)
	mustFlush(t, w)
	want := map[string]int{
		chunkKey(ListTotal, 1):                   1,
		chunkKey(ListTotal, 2):                   1,
		SummaryKey(testPrefix, testJob, testRun): 1,
		LatestKey(testPrefix, testJob):           1,
	}
	if got := b.putCounts(); !equalCounts(got, want) {
		t.Errorf("puts %v, want %v", got, want)
	}
	if got := chunkRows(t, b, ListTotal, 1); !equalRows(got, []Row{row(0), row(1)}) {
		t.Errorf("chunk 1: %v", got)
	}
	if got := chunkRows(t, b, ListTotal, 2); !equalRows(got, []Row{row(2)}) {
		t.Errorf("chunk 2: %v", got)
	}
	if got := w.Chunks()[ListTotal]; got != 2 {
		t.Errorf("Chunks()[total] = %d, want 2", got)
	}
}

// TestWriterStaleFlushNeverWins holds a Flush's write of partial chunk 1
// while Adds fill chunk 1: the full chunk must be the last version written.
func TestWriterStaleFlushNeverWins(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 3})
	if err := w.Add(ctx, ListCompleted, row(0)); err != nil {
		t.Fatal(err)
	}

	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	b.setBeforePut(func(string) error {
		once.Do(func() {
			close(entered)
			<-release
		})
		return nil
	})
	flushDone := make(chan error, 1)
	go func() { flushDone <- w.Flush(ctx) }()
	<-entered // the flush holds a one-row chunk 1

	addDone := make(chan error, 1)
	go func() {
		var err error
		for i := 1; i < 3 && err == nil; i++ {
			err = w.Add(ctx, ListCompleted, row(i))
		}
		addDone <- err
	}()
	// Give the filling Add time to queue behind the flush; the outcome must
	// not depend on whether it did.
	time.Sleep(20 * time.Millisecond)
	close(release)
	if err := <-flushDone; err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := <-addDone; err != nil {
		t.Fatalf("Add: %v", err)
	}
	if got := chunkRows(t, b, ListCompleted, 1); !equalRows(got, []Row{row(0), row(1), row(2)}) {
		t.Errorf("chunk 1 holds %d rows, want the full 3: %v", len(got), got)
	}
	if got := b.putCounts()[chunkKey(ListCompleted, 1)]; got != 2 {
		t.Errorf("chunk 1 written %d times, want 2", got)
	}
}

func TestWriterCanceledContext(t *testing.T) {
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Add(ctx, ListFailed, row(1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Add with a canceled context that fills a chunk: %v, want context.Canceled", err)
	}
	// An interrupted run still saves its report with a fresh context.
	if err := w.WriteSummary(context.Background(), Summary{Status: StatusInterrupted}); err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}
	if got := chunkRows(t, b, ListFailed, 1); !equalRows(got, []Row{row(1)}) {
		t.Errorf("failed chunk 1: %v", got)
	}
}

func TestWriterRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, prefix, job, run, wantErr string
	}{
		{"prefix without slash", "reports", testJob, testRun, `prefix "reports" must be "" or end with "/"`},
		{"empty job", testPrefix, "", testRun, `job name "" must be non-empty`},
		{"job with slash", testPrefix, "a/b", testRun, `job name "a/b"`},
		{"empty run", testPrefix, testJob, "", `run id "" must be non-empty`},
		{"run with slash", testPrefix, testJob, "r/1", `run id "r/1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBucket("dst-bucket")
			w := NewWriter(b, tt.prefix, tt.job, tt.run, WriterOptions{})
			for name, err := range map[string]error{
				"Add":          w.Add(ctx, ListTotal, row(1)),
				"Flush":        w.Flush(ctx),
				"WriteSummary": w.WriteSummary(ctx, Summary{}),
			} {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("%s: %v, want an error saying %q", name, err, tt.wantErr)
				}
			}
			if got := b.totalPuts(); got != 0 {
				t.Errorf("%d Puts, want none", got)
			}
		})
	}

	w := NewWriter(newFakeBucket("dst-bucket"), testPrefix, testJob, testRun, WriterOptions{})
	if err := w.Add(ctx, "all", row(1)); err == nil || !strings.Contains(err.Error(), `unknown list "all"`) {
		t.Errorf("Add to list \"all\": %v, want an unknown list error", err)
	}
}

// TestWriterConcurrent has many goroutines add rows to every list while
// another flushes and writes summaries; run with -race.
func TestWriterConcurrent(t *testing.T) {
	const (
		workers   = 16
		perWorker = 250
		chunkSize = 7
	)
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: chunkSize})

	stop := make(chan struct{})
	flusherDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				flusherDone <- nil
				return
			default:
			}
			if err := w.WriteSummary(ctx, Summary{Status: StatusRunning}); err != nil {
				flusherDone <- err
				return
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				n := g*perWorker + i
				if err := w.Add(ctx, Lists[n%len(Lists)], row(n)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-flusherDone; err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}
	close(errs)
	for err := range errs {
		t.Fatalf("Add: %v", err)
	}
	if err := w.WriteSummary(ctx, Summary{Status: StatusFinished}); err != nil {
		t.Fatalf("final WriteSummary: %v", err)
	}

	s, err := ReadSummary(ctx, b, testPrefix, testJob, testRun)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for li, list := range Lists {
		rowsInList := 0
		for n := li; n < workers*perWorker; n += len(Lists) {
			rowsInList++
		}
		if want := (rowsInList + chunkSize - 1) / chunkSize; s.Chunks[list] != want {
			t.Errorf("%s: %d chunks, want %d", list, s.Chunks[list], want)
		}
		for n := 1; n <= s.Chunks[list]; n++ {
			rows := chunkRows(t, b, list, n)
			if n < s.Chunks[list] && len(rows) != chunkSize {
				t.Errorf("%s chunk %d: %d rows, want %d", list, n, len(rows), chunkSize)
			}
			for _, r := range rows {
				if seen[r.SourceKey] {
					t.Errorf("%s: %s twice", list, r.SourceKey)
				}
				seen[r.SourceKey] = true
			}
		}
	}
	if len(seen) != workers*perWorker {
		t.Errorf("read back %d rows, want %d", len(seen), workers*perWorker)
	}
}

// TestGolden writes a small run and compares every file to testdata.
func TestGolden(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 2})
	cst := time.FixedZone("CST", 8*3600)
	lm := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

	archived := Row{SourceKey: "data/cold/archive 1.bin", Size: 1 << 30, LastModified: lm, ETag: "5B3C1A2E0F8D4B6A9C7E1F2A3B4C5D6E-8", Reason: "storage class Archive: not migrated"}
	rows := []struct {
		list List
		row  Row
	}{
		{ListTotal, Row{SourceKey: "data/a.txt", DestinationKey: "backup/data/a.txt", Size: 11, CRC64: 5981764153023615706, HasCRC64: true, LastModified: lm, ETag: "5EB63BBBE01EEED093CB22BB8F5ACDC3"}},
		{ListCompleted, Row{SourceKey: "data/a.txt", DestinationKey: "backup/data/a.txt", Size: 11, CRC64: 5981764153023615706, HasCRC64: true, LastModified: lm, ETag: "5EB63BBBE01EEED093CB22BB8F5ACDC3"}},
		{ListTotal, Row{SourceKey: "data/100% \"quoted\", +plus\nnew line.txt", DestinationKey: "backup/data/100% \"quoted\", +plus\nnew line.txt", Size: 0, LastModified: lm.Add(time.Second), ETag: "D41D8CD98F00B204E9800998ECF8427E"}},
		{ListFailed, Row{SourceKey: "data/100% \"quoted\", +plus\nnew line.txt", DestinationKey: "backup/data/100% \"quoted\", +plus\nnew line.txt", LastModified: lm.Add(time.Second), ETag: "D41D8CD98F00B204E9800998ECF8427E", Reason: "copy data/x: part 2: 503 SlowDown: \"Please reduce your request rate.\"\nretried 8 times, giving up"}},
		{ListTotal, archived},
		{ListSkipped, archived},
		{ListTotal, Row{SourceKey: "数据/報告.csv", DestinationKey: "backup/数据/報告.csv", Size: 42, CRC64: 0, HasCRC64: true, ETag: "0123456789ABCDEF0123456789ABCDEF"}},
	}
	for _, r := range rows {
		if err := w.Add(ctx, r.list, r.row); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	finished := time.Date(2026, 11, 25, 11, 20, 30, 0, cst)
	err := w.WriteSummary(ctx, Summary{
		FormatVersion: 99, Job: "ignored", RunID: "ignored", // the writer's own
		SpecDigest:  "sha256:3f1a0c7e9b2d",
		Status:      StatusFailed,
		StartedAt:   time.Date(2026, 11, 25, 11, 15, 0, 0, cst),
		FinishedAt:  &finished,
		UpdatedAt:   finished,
		Source:      Location{Bucket: "src-bucket", Prefix: "data/", Region: "cn-hangzhou"},
		Destination: Location{Bucket: "dst-bucket", Prefix: "backup/data/", Region: "cn-shanghai"},
		Planned:     Counts{Files: 3, Bytes: 1<<30 + 53},
		Total:       Counts{Files: 4, Bytes: 1<<30 + 53},
		Migrated:    Counts{Files: 1, Bytes: 11},
		Skipped:     Counts{Files: 1, Bytes: 1 << 30},
		Failed:      Counts{Files: 1, Bytes: 0},
		Progress:    Progress{FilesDone: 3, BytesDone: 11, BytesPerSecond: math.Inf(1), ETASeconds: 0},
		CopyMethod:  "auto",
		Error:       "1 file failed, more than max_failed_files (0) & <none> allowed",
	})
	if err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}

	for _, key := range b.keys() {
		o, _ := b.object(key)
		base := path.Base(key)
		ext := path.Ext(base)
		golden := filepath.Join("testdata", strings.TrimSuffix(base, ext)+".golden"+ext)
		if *update {
			if err := os.WriteFile(golden, o.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: %v (run go test -update to create it)", key, err)
			continue
		}
		if string(o.data) != string(want) {
			t.Errorf("%s differs from %s (run go test -update after checking the change)\n got:\n%s\nwant:\n%s", key, golden, o.data, want)
		}
	}
	wantKeys := []string{
		LatestKey(testPrefix, testJob),
		chunkKey(ListCompleted, 1),
		chunkKey(ListFailed, 1),
		chunkKey(ListSkipped, 1),
		SummaryKey(testPrefix, testJob, testRun),
		chunkKey(ListTotal, 1),
		chunkKey(ListTotal, 2),
	}
	sort.Strings(wantKeys)
	if got := b.keys(); strings.Join(got, "\n") != strings.Join(wantKeys, "\n") {
		t.Errorf("keys\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantKeys, "\n"))
	}
	for key, ct := range map[string]string{
		SummaryKey(testPrefix, testJob, testRun): "application/json",
		LatestKey(testPrefix, testJob):           "application/json",
	} {
		if o, _ := b.object(key); o.contentType != ct {
			t.Errorf("%s: Content-Type %q, want %q", key, o.contentType, ct)
		}
	}
}
