package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// The microbenchmarks of the report's hot paths: every object a run
// considers is added to one or two lists (total, then completed or skipped),
// so Writer.Add, the row encoding and the key encoding run once or twice
// per object. `make bench` runs them with -benchmem.

// discardBucket accepts Puts and throws the bytes away, so that a benchmark
// measures the writer, not a store.
type discardBucket struct{ *fakeBucket }

func newDiscardBucket() discardBucket { return discardBucket{newFakeBucket("bench")} }

func (discardBucket) Put(_ context.Context, _ string, r io.Reader, _ int64, _ storage.Metadata) (storage.PutResult, error) {
	_, err := io.Copy(io.Discard, r)
	return storage.PutResult{}, err
}

// benchRow is a typical completed row: keys under a prefix that need no
// escaping, a CRC, a time, an MD5 ETag.
func benchRow(i int) Row {
	return Row{
		SourceKey:      fmt.Sprintf("data/2026/11/25/part-%09d.parquet", i),
		DestinationKey: fmt.Sprintf("backup/data/2026/11/25/part-%09d.parquet", i),
		Size:           4096 + int64(i),
		CRC64:          uint64(i) * 0x9E3779B97F4A7C15,
		HasCRC64:       true,
		LastModified:   time.Date(2026, 11, 25, 3, 15, i%60, 0, time.UTC),
		ETag:           "5B3C1A2E053D763E1B002CC607C5A0FE",
	}
}

// BenchmarkWriterAdd adds rows to one list in chunks of DefaultChunkRows;
// every full chunk is written (to a bucket that discards it), as in a run.
func BenchmarkWriterAdd(b *testing.B) {
	rows := make([]Row, 1024)
	for i := range rows {
		rows[i] = benchRow(i)
	}
	ctx := context.Background()
	w := NewWriter(newDiscardBucket(), testPrefix, testJob, testRun, WriterOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := w.Add(ctx, ListCompleted, rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriterAddParallel is BenchmarkWriterAdd from many goroutines
// (the workers of a run record their objects concurrently).
func BenchmarkWriterAddParallel(b *testing.B) {
	rows := make([]Row, 1024)
	for i := range rows {
		rows[i] = benchRow(i)
	}
	ctx := context.Background()
	w := NewWriter(newDiscardBucket(), testPrefix, testJob, testRun, WriterOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := w.Add(ctx, ListCompleted, rows[i%len(rows)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkWriteRow encodes one row as CSV.
func BenchmarkWriteRow(b *testing.B) {
	row := benchRow(42)
	cw := csv.NewWriter(io.Discard)
	b.ReportAllocs()
	for range b.N {
		if err := writeRow(cw, row); err != nil {
			b.Fatal(err)
		}
	}
	cw.Flush()
}

// BenchmarkParseRow decodes one row (the data source and import read
// reports row by row).
func BenchmarkParseRow(b *testing.B) {
	rec := []string{"data/2026/11/25/part-000000042.parquet", "backup/data/2026/11/25/part-000000042.parquet", "4138",
		"12345678901234567", "2026-11-25T03:15:42Z", "5B3C1A2E053D763E1B002CC607C5A0FE", ""}
	b.ReportAllocs()
	for range b.N {
		if _, err := parseRow(rec); err != nil {
			b.Fatal(err)
		}
	}
}

var benchKeys = map[string]string{
	// Most keys need no escaping: encodeKey returns them as they are.
	"plain": "data/2026/11/25/part-000000042.parquet",
	// Spaces, non-ASCII and CSV's own characters are escaped.
	"escaped": "reports/Q3 2026/résumé, final \"v2\" (copy).pdf",
}

func BenchmarkEncodeKey(b *testing.B) {
	for name, key := range benchKeys {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = encodeKey(key)
			}
		})
	}
}

func BenchmarkDecodeKey(b *testing.B) {
	for name, key := range benchKeys {
		enc := encodeKey(key)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := decodeKey(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
