package ossemu

import (
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
)

// OpStats counts one operation's requests and body bytes.
type OpStats struct {
	Requests int64
	// Succeeded counts requests answered with a 2xx status.
	Succeeded int64
	BytesIn   int64 // request body bytes read
	BytesOut  int64 // response body bytes written
}

type opCounter struct {
	requests, succeeded, bytesIn, bytesOut atomic.Int64
}

// stats counts requests per operation and per (bucket, operation). Counters
// are created once and then updated with atomics, so counting never takes a
// lock that writers share.
type stats struct {
	counters sync.Map // statsKey -> *opCounter
}

type statsKey struct{ bucket, op string }

func (s *stats) counter(bucket, op string) *opCounter {
	k := statsKey{bucket, op}
	if c, ok := s.counters.Load(k); ok {
		return c.(*opCounter)
	}
	c, _ := s.counters.LoadOrStore(k, &opCounter{})
	return c.(*opCounter)
}

func (s *stats) snapshot(bucket string, all bool) map[string]OpStats {
	out := map[string]OpStats{}
	s.counters.Range(func(k, v any) bool {
		key := k.(statsKey)
		if !all && key.bucket != bucket {
			return true
		}
		c := v.(*opCounter)
		o := out[key.op]
		o.Requests += c.requests.Load()
		o.Succeeded += c.succeeded.Load()
		o.BytesIn += c.bytesIn.Load()
		o.BytesOut += c.bytesOut.Load()
		out[key.op] = o
		return true
	})
	return out
}

func (s *stats) reset() { s.counters.Clear() }

// Stats returns the counters of every operation across all buckets, by
// operation name (PutObject, GetObject, HeadObject, CopyObject, ListObjectsV2, ...).
func (c *Cloud) Stats() map[string]OpStats { return c.stats.snapshot("", true) }

// BucketStats returns the counters of requests addressed to one bucket.
func (c *Cloud) BucketStats(bucket string) map[string]OpStats { return c.stats.snapshot(bucket, false) }

// Requests returns how many requests of operation op were received.
func (c *Cloud) Requests(op string) int64 { return c.Stats()[op].Requests }

// Succeeded returns how many requests of operation op were answered with 2xx.
func (c *Cloud) Succeeded(op string) int64 { return c.Stats()[op].Succeeded }

// ResetStats zeroes every counter.
func (c *Cloud) ResetStats() { c.stats.reset() }

// OpNames returns the sorted names of operations that have been counted.
func (c *Cloud) OpNames() []string {
	var names []string
	for op := range c.Stats() {
		names = append(names, op)
	}
	sort.Strings(names)
	return names
}

type countingReader struct {
	r io.ReadCloser
	c *opCounter
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.c.bytesIn.Add(int64(n))
	return n, err
}

func (cr *countingReader) Close() error { return cr.r.Close() }

type countingWriter struct {
	http.ResponseWriter
	c      *opCounter
	status int
}

func (cw *countingWriter) WriteHeader(code int) {
	if cw.status == 0 {
		cw.status = code
	}
	cw.ResponseWriter.WriteHeader(code)
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	n, err := cw.ResponseWriter.Write(p)
	cw.c.bytesOut.Add(int64(n))
	return n, err
}

func (cw *countingWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }
