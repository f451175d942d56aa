package report

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// trickyKeys are keys that CSV, URLs or shells trip over.
var trickyKeys = []string{
	"plain/key.txt",
	"with space/and  two  spaces ",
	" leading space",
	"unicode/数据/報告/é/🙂.txt",
	"percent/100%.txt",
	"percent/%41%zz%",
	"plus/a+b+c",
	"newline/line1\nline2",
	"crlf/line1\r\nline2\r",
	"comma/a,b,,c",
	`quotes/"double" and 'single'`,
	"mixed/,\"\n%+ \t\\",
	"invalid-utf8/\xff\xfe\x80",
	"control/\x00\x01\x7f",
	"",
}

func TestRoundTripTrickyKeysAndReasons(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 4})
	lm := time.Date(2026, 11, 24, 23, 59, 59, 123456789, time.UTC)

	var want []Row
	for i, key := range trickyKeys {
		r := Row{
			SourceKey:      key,
			DestinationKey: "dst/" + key,
			Size:           int64(i * 1000),
			CRC64:          uint64(1) << 63,
			HasCRC64:       i%2 == 0,
			ETag:           fmt.Sprintf("%032X", i),
			Reason:         "copy " + key + `: 403 AccessDenied: "no", really, ` + "\nsee docs",
		}
		if i%3 != 0 {
			r.LastModified = lm.Add(time.Duration(i) * time.Hour)
		}
		if !r.HasCRC64 {
			r.CRC64 = 0
		}
		if err := w.Add(ctx, ListFailed, r); err != nil {
			t.Fatalf("Add: %v", err)
		}
		r.Reason = cleanText(r.Reason) // "\r\n" in a key came through into the reason
		want = append(want, r)
	}
	if err := w.WriteSummary(ctx, Summary{Status: StatusFinished}); err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}

	latest, err := ReadLatest(ctx, b, testPrefix, testJob)
	if err != nil {
		t.Fatalf("ReadLatest: %v", err)
	}
	if latest.RunID != testRun || latest.Job != testJob || latest.Status != StatusFinished || latest.FormatVersion != FormatVersion {
		t.Errorf("latest = %+v", latest)
	}
	s, err := ReadSummary(ctx, b, testPrefix, testJob, latest.RunID)
	if err != nil {
		t.Fatalf("ReadSummary: %v", err)
	}
	if want := (len(trickyKeys) + 3) / 4; s.Chunks[ListFailed] != want {
		t.Fatalf("summary says %d failed chunks, want %d", s.Chunks[ListFailed], want)
	}
	var got []Row
	err = ReadRows(ctx, b, testPrefix, testJob, s.RunID, ListFailed, s.Chunks[ListFailed], func(r Row) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadRows: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if !equalRow(got[i], want[i]) {
			t.Errorf("row %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
		if got[i].SourceKey != trickyKeys[i] {
			t.Errorf("row %d: key %q, want byte-exact %q", i, got[i].SourceKey, trickyKeys[i])
		}
	}

	// Empty lists read as nothing.
	if err := ReadRows(ctx, b, testPrefix, testJob, s.RunID, ListSkipped, s.Chunks[ListSkipped], func(Row) error {
		t.Error("a row in the empty skipped list")
		return nil
	}); err != nil {
		t.Errorf("ReadRows of an empty list: %v", err)
	}
}

func TestReadRowsStopsAtCallerError(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 2})
	for i := 0; i < 5; i++ {
		if err := w.Add(ctx, ListCompleted, row(i)); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, w)
	errEnough := errors.New("enough")
	n := 0
	err := ReadRows(ctx, b, testPrefix, testJob, testRun, ListCompleted, 3, func(Row) error {
		n++
		if n == 3 {
			return errEnough
		}
		return nil
	})
	if err != errEnough || n != 3 {
		t.Errorf("ReadRows = %v after %d rows, want the caller's error as it is after 3", err, n)
	}
}

func TestReadMissing(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	w := NewWriter(b, testPrefix, testJob, testRun, WriterOptions{ChunkRows: 1})
	if err := w.Add(ctx, ListCompleted, row(1)); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		read    func() error
		wantKey string
		wantMsg string
	}{
		{
			"latest",
			func() error { _, err := ReadLatest(ctx, b, testPrefix, "other-job"); return err },
			".ossmigrate/other-job/latest.json",
			`no run of job "other-job" has written a report`,
		},
		{
			"summary",
			func() error { _, err := ReadSummary(ctx, b, testPrefix, testJob, testRun); return err },
			".ossmigrate/nightly/20261125T031500Z-1a2b3c/summary.json",
			`job "nightly" has no run "20261125T031500Z-1a2b3c" here`,
		},
		{
			"chunk",
			func() error {
				return ReadRows(ctx, b, testPrefix, testJob, testRun, ListCompleted, 2, func(Row) error { return nil })
			},
			".ossmigrate/nightly/20261125T031500Z-1a2b3c/completed_list_2.csv",
			"the report is incomplete",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read()
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, "oss://dst-bucket/"+tt.wantKey+" not found") || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error %q, want it to name oss://dst-bucket/%s and say %q", msg, tt.wantKey, tt.wantMsg)
			}
			var se *storage.Error
			if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound || se.Code != "NoSuchKey" {
				t.Errorf("errors.As(*storage.Error) = %v, want the 404 NoSuchKey", se)
			}
		})
	}
}

func TestReadRefusesNewerOrInvalidFormat(t *testing.T) {
	ctx := context.Background()
	summaryKey := SummaryKey(testPrefix, testJob, testRun)
	latestKey := LatestKey(testPrefix, testJob)
	readSummary := func(b *fakeBucket) error { _, err := ReadSummary(ctx, b, testPrefix, testJob, testRun); return err }
	readLatest := func(b *fakeBucket) error { _, err := ReadLatest(ctx, b, testPrefix, testJob); return err }
	tests := []struct {
		name, key, content string
		read               func(*fakeBucket) error
		wantErr            string
	}{
		{"newer summary", summaryKey, `{"format_version": 2, "status": "finished"}`, readSummary, "has format_version 2, newer than the 1 this provider reads: upgrade the provider"},
		{"newer latest", latestKey, `{"format_version": 7}`, readLatest, "has format_version 7, newer"},
		{"summary without version", summaryKey, `{"status": "finished"}`, readSummary, "no valid format_version (0): not a report file"},
		{"summary not json", summaryKey, "<html>", readSummary, "is not a valid report file"},
		{"summary too large", summaryKey, `{"error": "` + strings.Repeat("x", maxJSONBytes) + `"}`, readSummary, "is larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBucket("dst-bucket")
			b.seed(tt.key, tt.content)
			err := tt.read(b)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "oss://dst-bucket/"+tt.key) {
				t.Errorf("error %v, want it to name oss://dst-bucket/%s and say %q", err, tt.key, tt.wantErr)
			}
		})
	}

	b := newFakeBucket("dst-bucket")
	b.seed(summaryKey, `{"format_version": 1, "status": "finished", "unknown_field": true}`)
	if s, err := ReadSummary(ctx, b, testPrefix, testJob, testRun); err != nil || s.Status != StatusFinished {
		t.Errorf("ReadSummary of a current summary with an extra field = %+v, %v", s, err)
	}
}

func TestReadRowsBadChunk(t *testing.T) {
	ctx := context.Background()
	key := chunkKey(ListCompleted, 1)
	good := "source_key,destination_key,size,crc64,last_modified,etag,reason\n"
	tests := []struct {
		name, content, wantErr string
	}{
		{"empty", "", "is empty: it should start with a header line"},
		{"other header", "key,size\n", `header ["key" "size"]`},
		{"renamed column", strings.Replace(good, "etag", "ETag", 1), "header"},
		{"short row", good + "a,b,1\n", "wrong number of fields"},
		{"bad size", good + "a,b,x,,,,\n", "line 2: size"},
		{"bad key", good + "ok,ok,1,,,,\nbad%,ok,1,,,,\n", `line 3: source_key: bad percent-encoded key "bad%"`},
		{"bad quoting", good + "a,b,1,,,\"x,\n", "extraneous or missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBucket("dst-bucket")
			b.seed(key, tt.content)
			err := ReadRows(ctx, b, testPrefix, testJob, testRun, ListCompleted, 1, func(Row) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "oss://dst-bucket/"+key) {
				t.Errorf("error %v, want it to name the chunk and say %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	noRow := func(Row) error { return nil }
	if _, err := ReadLatest(ctx, b, "reports", testJob); err == nil || !strings.Contains(err.Error(), `prefix "reports"`) {
		t.Errorf("ReadLatest with a bad prefix: %v", err)
	}
	if _, err := ReadSummary(ctx, b, testPrefix, testJob, ""); err == nil || !strings.Contains(err.Error(), `run id ""`) {
		t.Errorf("ReadSummary without a run id: %v", err)
	}
	if err := ReadRows(ctx, b, testPrefix, testJob, testRun, "all", 1, noRow); err == nil || !strings.Contains(err.Error(), `unknown list "all"`) {
		t.Errorf("ReadRows of list all: %v", err)
	}
	if _, err := ListRuns(ctx, b, testPrefix, "a/b"); err == nil || !strings.Contains(err.Error(), `job name "a/b"`) {
		t.Errorf("ListRuns of job a/b: %v", err)
	}
}

func TestListRuns(t *testing.T) {
	ctx := context.Background()
	b := newFakeBucket("dst-bucket")
	if runs, err := ListRuns(ctx, b, testPrefix, testJob); err != nil || len(runs) != 0 {
		t.Fatalf("ListRuns of no runs = %q, %v", runs, err)
	}
	var want []string
	for i := 0; i < 1003; i++ { // more than one page of common prefixes
		run := NewRunID(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute), strings.NewReader("\x00\x00\x01"))
		want = append(want, run)
		b.seed(SummaryKey(testPrefix, testJob, run), "{}")
		b.seed(ChunkKey(testPrefix, testJob, run, ListTotal, 1), "")
	}
	b.seed(LatestKey(testPrefix, testJob), "{}")
	b.seed(SummaryKey(testPrefix, "nightly-2", "other"), "{}")
	runs, err := ListRuns(ctx, b, testPrefix, testJob)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(runs, ",") != strings.Join(want, ",") {
		t.Errorf("ListRuns = %d runs (%q ... ), want %d", len(runs), runs[:min(3, len(runs))], len(want))
	}
}
