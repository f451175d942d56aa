package ossemu

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// The emulator benchmarks drive the real SDK at parallelism 32 against the
// emulator and against a bare net/http handler that answers the same calls
// with canned responses (no auth, no storage). Both run in the same process
// and rounds alternate between them, so the reported ratio (emulator
// throughput / bare throughput) is comparable across noisy machines even
// when the absolute numbers are not.

const benchParallelism = 32

// bareOSS answers PutObject, GetObject and CopyObject with canned responses
// that the SDK accepts. PUT bodies are read in full; GET bodies come from a
// preallocated buffer. It omits x-oss-hash-crc64ecma so the SDK skips its
// CRC check, as it does for any server that does not send one.
type bareOSS struct{ body []byte }

func (s *bareOSS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("x-oss-request-id", "BARE")
	h.Set("ETag", `"5B3C1A2E053D763E1B002CC607C5A0FE"`)
	switch {
	case r.Method == http.MethodPut && r.Header.Get("x-oss-copy-source") != "":
		_, _ = io.Copy(io.Discard, r.Body)
		const res = `<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>"5B3C1A2E053D763E1B002CC607C5A0FE"</ETag></CopyObjectResult>`
		h.Set("Content-Type", "application/xml")
		h.Set("Content-Length", strconv.Itoa(len(res)))
		_, _ = io.WriteString(w, res)
	case r.Method == http.MethodPut:
		_, _ = io.Copy(io.Discard, r.Body)
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(s.body)))
		h.Set("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT")
		_, _ = w.Write(s.body)
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

type benchTarget struct {
	name   string
	bucket *oss.Bucket
}

// benchTargets starts the emulator (seeded with obj under "src") and the bare
// server, and returns an SDK bucket handle for each.
func benchTargets(b *testing.B, obj []byte) []benchTarget {
	b.Helper()
	c := StartForTest(b, Config{}, BucketSpec{Name: "bench"})
	if err := c.PutObject("bench", ObjectSpec{Key: "src", Data: obj}); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: &bareOSS{body: obj}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })

	opts := []oss.ClientOption{oss.AuthVersion(oss.AuthV4), oss.Region(DefaultRegion)}
	bare, err := oss.New("http://"+ln.Addr().String(), DefaultAccount.AccessKeyID, DefaultAccount.AccessKeySecret, opts...)
	if err != nil {
		b.Fatal(err)
	}
	bareBucket, _ := bare.Bucket("bench")
	return []benchTarget{{"bare", bareBucket}, {"emulator", c.MustBucket(b, DefaultAccount.Name, "bench", opts...)}}
}

// runParallel performs n calls of op over benchParallelism goroutines.
func runParallel(n int, op func(worker, i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for w := range benchParallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := op(w, i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// benchVersusBare runs b.N calls of op against each target, alternating in
// rounds, and reports both throughputs and their ratio.
func benchVersusBare(b *testing.B, obj []byte, op func(t benchTarget, worker, i int) error) {
	targets := benchTargets(b, obj)
	const rounds = 4
	per := max(b.N/rounds, benchParallelism)
	elapsed := make([]time.Duration, len(targets))
	b.ResetTimer()
	for range rounds {
		for ti, t := range targets {
			start := time.Now()
			if err := runParallel(per, func(w, i int) error { return op(t, w, i) }); err != nil {
				b.Fatalf("%s: %v", t.name, err)
			}
			elapsed[ti] += time.Since(start)
		}
	}
	b.StopTimer()
	total := float64(per * rounds)
	bareRate := total / elapsed[0].Seconds()
	emuRate := total / elapsed[1].Seconds()
	b.ReportMetric(bareRate, "bare-ops/s")
	b.ReportMetric(emuRate, "emu-ops/s")
	b.ReportMetric(emuRate/bareRate, "emu/bare")
	if len(obj) >= 1<<20 {
		b.ReportMetric(emuRate*float64(len(obj))/(1<<20), "emu-MiB/s")
	}
}

func BenchmarkEmulatorVersusBare(b *testing.B) {
	small := bytes.Repeat([]byte("0123456789abcdef"), 4096/16)
	large := bytes.Repeat([]byte("0123456789abcdef"), (64<<20)/16)
	get := func(t benchTarget, _, _ int) error {
		r, err := t.bucket.GetObject("src")
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, r)
		_ = r.Close()
		return err
	}
	putOf := func(data []byte) func(t benchTarget, w, _ int) error {
		return func(t benchTarget, w, _ int) error {
			return t.bucket.PutObject(fmt.Sprintf("put-%d", w), bytes.NewReader(data))
		}
	}
	b.Run("PUT-4KiB", func(b *testing.B) { benchVersusBare(b, small, putOf(small)) })
	b.Run("GET-4KiB", func(b *testing.B) { benchVersusBare(b, small, get) })
	b.Run("CopyObject-4KiB", func(b *testing.B) {
		benchVersusBare(b, small, func(t benchTarget, w, _ int) error {
			_, err := t.bucket.CopyObject("src", fmt.Sprintf("copy-%d", w))
			return err
		})
	})
	b.Run("PUT-64MiB", func(b *testing.B) { benchVersusBare(b, large, putOf(large)) })
	b.Run("GET-64MiB", func(b *testing.B) { benchVersusBare(b, large, get) })
}
