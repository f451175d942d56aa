package ossemu_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

func faultEnv(t *testing.T, seed uint64) (*env, *oss.Bucket, []byte) {
	e := newEnv(t, ossemu.Config{FaultSeed: seed},
		ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "other", Region: hz, Owner: alice},
	)
	data := content(100, 256<<10)
	e.seed("bkt", ossemu.ObjectSpec{Key: "obj", Data: data})
	return e, e.bucket(alice, "bkt"), data
}

// TestFaultError: injected errors reach the SDK as the ServiceError OSS
// would send, on body and HEAD responses, and writes do not happen.
func TestFaultError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  ossemu.Fault
		status int
		code   string
	}{
		{"default is 503 SlowDown", ossemu.Fault{Kind: ossemu.FaultError}, 503, "SlowDown"},
		{"500 is InternalError", ossemu.Fault{Kind: ossemu.FaultError, Status: 500}, 500, "InternalError"},
		{"explicit code", ossemu.Fault{Kind: ossemu.FaultError, Status: 503, Code: "ServiceUnavailable"}, 503, "ServiceUnavailable"},
		{"client error", ossemu.Fault{Kind: ossemu.FaultError, Status: 403, Code: "AccessDenied"}, 403, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, b, data := faultEnv(t, 1)
			e.cloud.AddFault(tc.fault)
			_, err := b.GetObject("obj")
			se := serviceError(t, err, tc.status, tc.code)
			if se.Ec == "" || se.HostID == "" {
				t.Errorf("fault error lacks EC/HostId: %+v", se)
			}
			_, err = b.GetObjectDetailedMeta("obj")
			wantServiceError(t, err, tc.status, tc.code)
			wantServiceError(t, b.PutObject("obj", bytes.NewReader([]byte("new"))), tc.status, tc.code)
			_, err = b.ListObjectsV2()
			wantServiceError(t, err, tc.status, tc.code)
			if hits := e.cloud.FaultHits()[ossemu.FaultError]; hits != 4 {
				t.Fatalf("FaultHits %d, want 4", hits)
			}
			e.cloud.ClearFaults()
			equalBytes(t, "after ClearFaults", getBytes(t, b, "obj"), data)
		})
	}
}

// TestFaultLatency: a delayed request still succeeds; a client deadline
// shorter than the delay gives up. Hits are asserted by counter, not time.
func TestFaultLatency(t *testing.T) {
	t.Parallel()
	e, b, data := faultEnv(t, 1)
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultLatency, Op: "GetObject", Latency: 10 * time.Millisecond, Times: 1})
	equalBytes(t, "delayed GET", getBytes(t, b, "obj"), data)
	equalBytes(t, "second GET", getBytes(t, b, "obj"), data)
	if hits := e.cloud.FaultHits()[ossemu.FaultLatency]; hits != 1 {
		t.Fatalf("latency hits %d, want 1", hits)
	}

	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultLatency, Op: "HeadObject", Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := b.GetObjectDetailedMeta("obj", oss.WithContext(ctx))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HEAD under an hour of latency with a 100ms deadline: %v", err)
	}
	if hits := e.cloud.FaultHits()[ossemu.FaultLatency]; hits != 2 {
		t.Fatalf("latency hits %d, want 2", hits)
	}
}

// readAllErr reads a GetObject body to the end, returning what it got and
// the first error, where the error may also come from GetObject itself.
func readAllErr(b *oss.Bucket, key string) ([]byte, error) {
	rc, err := b.GetObject(key)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

// TestFaultReset: a connection reset mid-body is a read error, never a
// silently short object; on uploads nothing is stored.
func TestFaultReset(t *testing.T) {
	t.Parallel()
	e, b, data := faultEnv(t, 1)
	// Unlimited, then removed: if the reset came before the first response
	// byte, net/http would resend the GET once (see below).
	id := e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: "GetObject"})
	got, err := readAllErr(b, "obj")
	e.cloud.RemoveFault(id)
	if err == nil {
		t.Fatalf("reset GetObject returned %d bytes and no error", len(got))
	}
	if len(got) >= len(data) {
		t.Fatalf("reset GetObject delivered %d bytes", len(got))
	}
	if !bytes.Equal(got, data[:len(got)]) {
		t.Fatal("bytes before the reset differ")
	}
	equalBytes(t, "after the reset", getBytes(t, b, "obj"), data)

	for _, op := range []struct {
		name string
		call func() error
	}{
		{"PutObject", func() error { return b.PutObject("obj", bytes.NewReader(content(101, 200_000))) }},
		{"HeadObject", func() error { _, err := b.GetObjectDetailedMeta("obj"); return err }},
		{"CopyObject", func() error { _, err := b.CopyObject("obj", "copy"); return err }},
		{"DeleteObject", func() error { return b.DeleteObject("obj") }},
	} {
		t.Run(op.name, func(t *testing.T) {
			// No Times limit: net/http silently resends an idempotent
			// request (GET, HEAD) once when a reused connection is reset
			// before the first response byte, so a one-shot reset on HEAD
			// never reaches the SDK's caller.
			id := e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: op.name})
			before := e.stored("bkt", "obj")
			if err := op.call(); err == nil {
				t.Fatalf("%s through a reset succeeded", op.name)
			}
			equalBytes(t, "object after a reset "+op.name, e.stored("bkt", "obj"), before)
			e.cloud.RemoveFault(id)
			if err := op.call(); err != nil {
				t.Fatalf("%s after the fault: %v", op.name, err)
			}
		})
	}
	if hits := e.cloud.FaultHits()[ossemu.FaultReset]; hits < 5 {
		t.Fatalf("reset hits %d, want at least 5", hits)
	}
}

// TestFaultResetUploadKeepsOld: a PutObject reset mid-body leaves the
// previous object in place.
func TestFaultResetUploadKeepsOld(t *testing.T) {
	t.Parallel()
	e, b, data := faultEnv(t, 1)
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: "PutObject"})
	if err := b.PutObject("obj", bytes.NewReader(content(102, 300_000))); err == nil {
		t.Fatal("PutObject through a reset succeeded")
	}
	equalBytes(t, "object after a reset upload", e.stored("bkt", "obj"), data)
	if err := b.PutObject("fresh", bytes.NewReader(content(103, 300_000))); err == nil {
		t.Fatal("PutObject through a reset succeeded")
	}
	e.absent("bkt", "fresh")
}

// TestFaultTruncate: a body cut short after the full Content-Length header
// is io.ErrUnexpectedEOF for the reader; GetObjectToFile leaves no file.
func TestFaultTruncate(t *testing.T) {
	t.Parallel()
	e, b, data := faultEnv(t, 1)
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultTruncate, Op: "GetObject", Times: 2})
	got, err := readAllErr(b, "obj")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated GetObject: %v (%d bytes)", err, len(got))
	}
	if len(got) != len(data)/2 || !bytes.Equal(got, data[:len(got)]) {
		t.Fatalf("truncated GetObject delivered %d bytes, want the first %d", len(got), len(data)/2)
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := b.GetObjectToFile("obj", path); err == nil {
		t.Fatal("truncated GetObjectToFile succeeded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("truncated GetObjectToFile left %s: %v", path, err)
	}
	if hits := e.cloud.FaultHits()[ossemu.FaultTruncate]; hits != 2 {
		t.Fatalf("truncate hits %d", hits)
	}
	equalBytes(t, "after truncation", getBytes(t, b, "obj"), data)

	// Only response bodies can be cut short; on an upload it is a reset.
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultTruncate, Op: "PutObject", Times: 1})
	if err := b.PutObject("obj", bytes.NewReader(content(106, 1000))); err == nil {
		t.Fatal("PutObject through a truncate fault succeeded")
	}
	equalBytes(t, "after a truncated upload", e.stored("bkt", "obj"), data)
}

// TestFaultCorrupt: a flipped byte in a response keeps the stored object's
// headers, so the CRC checks of GetObjectToFile and DownloadFile catch it; a
// flipped byte in an upload is caught by the SDK's PutObject/UploadPart CRC
// check, and the emulator stored the damaged bytes.
func TestFaultCorrupt(t *testing.T) {
	t.Parallel()
	e, b, data := faultEnv(t, 1)

	t.Run("GetObject", func(t *testing.T) {
		var hdr http.Header
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "GetObject", Times: 1})
		got := getBytes(t, b, "obj", oss.GetResponseHeader(&hdr))
		if len(got) != len(data) || bytes.Equal(got, data) {
			t.Fatalf("corrupt GetObject: %d bytes, equal %v", len(got), bytes.Equal(got, data))
		}
		diff := 0
		for i := range got {
			if got[i] != data[i] {
				diff++
			}
		}
		if diff != 1 {
			t.Fatalf("%d bytes differ, want 1", diff)
		}
		if hdr.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crcOf(data), 10) || hdr.Get("ETag") != etagOf(data) {
			t.Fatalf("corrupt GetObject headers are not the stored object's: %v", hdr)
		}
	})
	t.Run("GetObjectToFile", func(t *testing.T) {
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "GetObject", Times: 1})
		var crcErr oss.CRCCheckError
		if err := b.GetObjectToFile("obj", filepath.Join(t.TempDir(), "f")); !errors.As(err, &crcErr) {
			t.Fatalf("corrupt GetObjectToFile: want CRCCheckError, got %v", err)
		}
	})
	t.Run("DownloadFile", func(t *testing.T) {
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "GetObject", Times: 1})
		var crcErr oss.CRCCheckError
		path := filepath.Join(t.TempDir(), "f")
		if err := b.DownloadFile("obj", path, 100<<10); !errors.As(err, &crcErr) {
			t.Fatalf("corrupt DownloadFile: want CRCCheckError, got %v", err)
		}
		if err := b.DownloadFile("obj", path, 100<<10); err != nil {
			t.Fatalf("DownloadFile after the fault: %v", err)
		}
		onDisk, _ := os.ReadFile(path)
		equalBytes(t, "DownloadFile", onDisk, data)
	})
	t.Run("PutObject", func(t *testing.T) {
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "PutObject", Times: 1})
		up := content(104, 99_999)
		var crcErr oss.CRCCheckError
		if err := b.PutObject("uploaded", bytes.NewReader(up)); !errors.As(err, &crcErr) {
			t.Fatalf("corrupt PutObject: want CRCCheckError, got %v", err)
		}
		stored := e.stored("bkt", "uploaded")
		if len(stored) != len(up) || bytes.Equal(stored, up) {
			t.Fatal("the corrupted upload is not what the emulator stored")
		}
		if crc := headCRC(t, b, "uploaded"); crc != crcOf(stored) {
			t.Fatalf("stored CRC %d is not that of the stored bytes", crc)
		}
	})
	t.Run("UploadPart", func(t *testing.T) {
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "UploadPart", Times: 1})
		imur, _ := b.InitiateMultipartUpload("mp")
		part := content(105, 100<<10)
		var crcErr oss.CRCCheckError
		if _, err := b.UploadPart(imur, bytes.NewReader(part), int64(len(part)), 1); !errors.As(err, &crcErr) {
			t.Fatalf("corrupt UploadPart: want CRCCheckError, got %v", err)
		}
		p, err := b.UploadPart(imur, bytes.NewReader(part), int64(len(part)), 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p}); err != nil {
			t.Fatal(err)
		}
		equalBytes(t, "re-uploaded part", getBytes(t, b, "mp"), part)
	})
	if hits := e.cloud.FaultHits()[ossemu.FaultCorrupt]; hits != 5 {
		t.Fatalf("corrupt hits %d, want 5", hits)
	}
}

// TestFaultMatching: Op, Bucket and the Key glob select requests; Times
// limits hits; RemoveFault ends a fault.
func TestFaultMatching(t *testing.T) {
	t.Parallel()
	e, b, _ := faultEnv(t, 1)
	for _, k := range []string{"logs/a.gz", "logs/deep/b.gz", "logs/a.txt", "x1", "x12"} {
		e.seed("bkt", ossemu.ObjectSpec{Key: k, Data: []byte(k)})
		e.seed("other", ossemu.ObjectSpec{Key: k, Data: []byte(k)})
	}
	o := e.bucket(alice, "other")
	id := e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Bucket: "bkt", Key: "logs/*.gz"})
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Status: 500, Op: "HeadObject", Key: "x?"})
	cases := []struct {
		bucket *oss.Bucket
		key    string
		head   bool
		code   string // "" for success
	}{
		{b, "logs/a.gz", false, "SlowDown"},
		{b, "logs/deep/b.gz", false, "SlowDown"},
		{b, "logs/a.gz", true, "SlowDown"},
		{b, "logs/a.txt", false, ""},
		{o, "logs/a.gz", false, ""},
		{b, "x1", true, "InternalError"},
		{b, "x1", false, ""},
		{b, "x12", true, ""},
		{o, "x1", true, "InternalError"},
	}
	for _, tc := range cases {
		var err error
		if tc.head {
			_, err = tc.bucket.GetObjectDetailedMeta(tc.key)
		} else {
			_, err = readAllErr(tc.bucket, tc.key)
		}
		if tc.code == "" {
			if err != nil {
				t.Fatalf("%s/%s head=%v: %v", tc.bucket.BucketName, tc.key, tc.head, err)
			}
			continue
		}
		var se oss.ServiceError
		if !errors.As(err, &se) || se.Code != tc.code {
			t.Fatalf("%s/%s head=%v: want %s, got %v", tc.bucket.BucketName, tc.key, tc.head, tc.code, err)
		}
	}
	e.cloud.RemoveFault(id)
	if _, err := readAllErr(b, "logs/a.gz"); err != nil {
		t.Fatalf("after RemoveFault: %v", err)
	}

	e.cloud.ClearFaults()
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "GetObject", Times: 2})
	for i, want := range []bool{false, false, true, true} {
		_, err := readAllErr(b, "x1")
		if (err == nil) != want {
			t.Fatalf("GetObject %d with Times 2: %v", i+1, err)
		}
	}
	if e.cloud.Requests("GetObject") == 0 {
		t.Fatal("faulted requests are not counted")
	}
}

// faultPattern runs n serial HEADs against a fresh emulator with a
// probabilistic fault and returns which failed.
func faultPattern(t *testing.T, seed uint64, p float64, n int) []bool {
	t.Helper()
	e, b, _ := faultEnv(t, seed)
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "HeadObject", Probability: p})
	out := make([]bool, n)
	hits := 0
	for i := range out {
		_, err := b.GetObjectDetailedMeta("obj")
		if err != nil {
			wantServiceError(t, err, 503, "SlowDown")
			out[i] = true
			hits++
		}
	}
	if got := e.cloud.FaultHits()[ossemu.FaultError]; got != hits {
		t.Fatalf("FaultHits %d, observed %d", got, hits)
	}
	return out
}

// TestFaultProbabilityAndSeed: Probability hits about that share of
// requests, and the same FaultSeed gives the same pattern for the same
// serial sequence.
func TestFaultProbabilityAndSeed(t *testing.T) {
	t.Parallel()
	const n = 300
	a := faultPattern(t, 42, 0.3, n)
	hits := 0
	for _, h := range a {
		if h {
			hits++
		}
	}
	// Binomial(300, 0.3): mean 90, sd ~7.9; the seed makes this deterministic.
	if hits < 50 || hits > 130 {
		t.Fatalf("%d of %d hit at probability 0.3", hits, n)
	}
	if b := faultPattern(t, 42, 0.3, n); !equalBools(a, b) {
		t.Fatal("same seed, different hit pattern")
	}
	if c := faultPattern(t, 43, 0.3, n); equalBools(a, c) {
		t.Fatal("different seeds, same hit pattern")
	}
	if all := faultPattern(t, 42, 1, 20); !equalBools(all, repeatBool(true, 20)) {
		t.Fatal("probability 1 missed")
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func repeatBool(v bool, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = v
	}
	return out
}
