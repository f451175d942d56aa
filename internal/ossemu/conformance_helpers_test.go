package ossemu_test

// The SDK's chaining helpers (UploadFile, DownloadFile, CopyFile) issue
// HEAD, multipart and ranged calls concurrently and check CRCs end to end.

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

const helperPart = 256 << 10

// writeFile writes data to a new file in a test directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// faultAfter is a progress listener that activates a fault once the whole
// transfer (not one part request: those report their own totals) has moved
// at least `after` bytes.
func partsOf(size, part int64) int64 { return (size + part - 1) / part }

// TestHelperUploadFile: UploadFile with a checkpoint and 3 routines uploads
// every part once and completes byte-exact with the right CRC.
func TestHelperUploadFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	data := content(110, 3<<20+123)
	path := writeFile(t, "big.bin", data)
	cp := filepath.Join(t.TempDir(), "upload.cp")
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			b := e.bucket(alice, "bkt", sg.opts(hz)...)
			key := "uploads/" + sg.name + "/big file+ü.bin"
			e.cloud.ResetStats()
			if err := b.UploadFile(key, path, helperPart, oss.Checkpoint(true, cp), oss.Routines(3), oss.Meta("Via", "UploadFile")); err != nil {
				t.Fatalf("UploadFile: %v", err)
			}
			equalBytes(t, "UploadFile", getBytes(t, b, key), data)
			if crc := headCRC(t, b, key); crc != crcOf(data) {
				t.Fatalf("CRC %d, want %d", crc, crcOf(data))
			}
			if h, _ := b.GetObjectDetailedMeta(key); h.Get("X-Oss-Meta-Via") != "UploadFile" || h.Get("X-Oss-Object-Type") != "Multipart" {
				t.Fatalf("HEAD %v", h)
			}
			st := e.cloud.Stats()
			n := partsOf(int64(len(data)), helperPart)
			if st["UploadPart"].Requests != n || st["UploadPart"].BytesIn != int64(len(data)) ||
				st["InitiateMultipartUpload"].Requests != 1 || st["CompleteMultipartUpload"].Requests != 1 {
				t.Fatalf("stats %+v, want %d parts", st, n)
			}
			if exists(cp) {
				t.Fatal("checkpoint file left after success")
			}
			if ups := e.cloud.Uploads("bkt"); len(ups) != 0 {
				t.Fatalf("uploads left: %+v", ups)
			}
		})
	}
}

// TestHelperUploadFileResume: a failed UploadFile resumes from its
// checkpoint, uploading only the missing parts.
func TestHelperUploadFileResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	data := content(111, 2<<20+77)
	path := writeFile(t, "f.bin", data)
	cp := filepath.Join(t.TempDir(), "f.cp")
	n := partsOf(int64(len(data)), helperPart)

	t.Run("fails mid-way", func(t *testing.T) {
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "UploadPart", After: 4})
		err := b.UploadFile("resumed", path, helperPart, oss.Checkpoint(true, cp), oss.Routines(1))
		wantServiceError(t, err, http.StatusServiceUnavailable, "SlowDown")
		e.cloud.ClearFaults()
		if !exists(cp) {
			t.Fatal("no checkpoint after a failed UploadFile")
		}
	})
	ups := e.cloud.Uploads("bkt")
	if len(ups) != 1 {
		t.Fatalf("uploads after failure: %+v", ups)
	}
	done := int64(ups[0].Parts)
	if done < 4 || done >= n {
		t.Fatalf("%d of %d parts uploaded before the fault", done, n)
	}
	t.Run("resumes", func(t *testing.T) {
		e.cloud.ResetStats()
		if err := b.UploadFile("resumed", path, helperPart, oss.Checkpoint(true, cp), oss.Routines(3)); err != nil {
			t.Fatalf("resumed UploadFile: %v", err)
		}
		// The SDK records a part in its checkpoint only after its main loop
		// has seen the part's result, which races with the failure, so up to
		// all `done` parts may be uploaded again; never more than n.
		st := e.cloud.Stats()
		if up := st["UploadPart"].Requests; up < n-done || up > n || st["InitiateMultipartUpload"].Requests != 0 || st["CompleteMultipartUpload"].Requests != 1 {
			t.Fatalf("resume stats %+v, want %d to %d parts and no new upload", st, n-done, n)
		}
		equalBytes(t, "resumed upload", getBytes(t, b, "resumed"), data)
		if crc := headCRC(t, b, "resumed"); crc != crcOf(data) {
			t.Fatalf("CRC %d", crc)
		}
	})
	t.Run("complete fails, resume only completes", func(t *testing.T) {
		cp2 := filepath.Join(t.TempDir(), "g.cp")
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "CompleteMultipartUpload", Status: 500, Times: 1})
		err := b.UploadFile("complete-fails", path, helperPart, oss.Checkpoint(true, cp2), oss.Routines(3))
		wantServiceError(t, err, http.StatusInternalServerError, "InternalError")
		e.absent("bkt", "complete-fails")
		e.cloud.ResetStats()
		if err := b.UploadFile("complete-fails", path, helperPart, oss.Checkpoint(true, cp2), oss.Routines(3)); err != nil {
			t.Fatal(err)
		}
		if st := e.cloud.Stats(); st["UploadPart"].Requests != 0 || st["CompleteMultipartUpload"].Requests != 1 {
			t.Fatalf("stats %+v", st)
		}
		equalBytes(t, "completed on resume", getBytes(t, b, "complete-fails"), data)
	})
	t.Run("no checkpoint aborts on failure", func(t *testing.T) {
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "UploadPart"})
		err := b.UploadFile("aborted", path, helperPart, oss.Routines(3))
		wantServiceError(t, err, http.StatusServiceUnavailable, "SlowDown")
		e.cloud.ClearFaults()
		if ups := e.cloud.Uploads("bkt"); len(ups) != 0 {
			t.Fatalf("UploadFile did not abort: %+v", ups)
		}
		if e.cloud.Requests("AbortMultipartUpload") == 0 {
			t.Fatal("no AbortMultipartUpload")
		}
		e.absent("bkt", "aborted")
	})
}

// TestHelperDownloadFile: DownloadFile with a checkpoint and 3 routines
// fetches each range once and verifies the combined CRC.
func TestHelperDownloadFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	data := content(112, 3<<20+5)
	e.seed("bkt", ossemu.ObjectSpec{Key: "dl/ü file", Data: data})
	n := partsOf(int64(len(data)), 100<<10)
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			b := e.bucket(alice, "bkt", sg.opts(hz)...)
			dir := t.TempDir()
			path, cp := filepath.Join(dir, "out.bin"), filepath.Join(dir, "out.cp")
			e.cloud.ResetStats()
			if err := b.DownloadFile("dl/ü file", path, 100<<10, oss.Checkpoint(true, cp), oss.Routines(3)); err != nil {
				t.Fatalf("DownloadFile: %v", err)
			}
			equalBytes(t, "DownloadFile", readFile(t, path), data)
			st := e.cloud.Stats()
			if st["GetObject"].Requests != n || st["GetObject"].BytesOut != int64(len(data)) {
				t.Fatalf("stats %+v, want %d ranged GETs", st, n)
			}
			if exists(cp) || exists(path+".temp") {
				t.Fatal("checkpoint or temp file left after success")
			}
		})
	}

	t.Run("resume", func(t *testing.T) {
		b := e.bucket(alice, "bkt")
		dir := t.TempDir()
		path, cp := filepath.Join(dir, "out.bin"), filepath.Join(dir, "out.cp")
		// Ten ranges succeed, then GetObject fails.
		e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "GetObject", After: 10})
		err := b.DownloadFile("dl/ü file", path, 100<<10, oss.Checkpoint(true, cp), oss.Routines(1))
		wantServiceError(t, err, http.StatusServiceUnavailable, "SlowDown")
		e.cloud.ClearFaults()
		if !exists(cp) || exists(path) {
			t.Fatal("a failed DownloadFile must leave its checkpoint and no file")
		}
		e.cloud.ResetStats()
		if err := b.DownloadFile("dl/ü file", path, 100<<10, oss.Checkpoint(true, cp), oss.Routines(3)); err != nil {
			t.Fatalf("resumed DownloadFile: %v", err)
		}
		// As for uploads, the checkpoint may lag the ranges fetched before
		// the failure; the resumed download must still not exceed one
		// request per range (plus none for the object's metadata).
		if got := e.cloud.Requests("GetObject"); got < n-10 || got > n {
			t.Fatalf("resume fetched %d ranges of %d", got, n)
		}
		equalBytes(t, "resumed DownloadFile", readFile(t, path), data)
	})
}

// TestHelperCopyFile: CopyFile (HEAD, Initiate, UploadPartCopy, Complete)
// within and across buckets of a region, with a checkpoint.
func TestHelperCopyFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "src", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst", Region: hz, Owner: alice},
	)
	data := content(113, 1_500_000)
	e.seed("src", ossemu.ObjectSpec{Key: "big src+1", Data: data, Meta: map[string]string{"m": "1"}})
	const part = 200 << 10
	n := partsOf(int64(len(data)), part)
	for _, tc := range []struct{ name, dstBucket, dstKey string }{
		{"across buckets", "dst", "copied/ü+x"},
		{"same bucket", "src", "big copy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp := filepath.Join(t.TempDir(), "copy.cp")
			e.cloud.ResetStats()
			dst := e.bucket(alice, tc.dstBucket)
			if err := dst.CopyFile("src", "big src+1", tc.dstKey, part, oss.Checkpoint(true, cp), oss.Routines(3)); err != nil {
				t.Fatalf("CopyFile: %v", err)
			}
			equalBytes(t, "CopyFile", getBytes(t, dst, tc.dstKey), data)
			if got, want := headCRC(t, dst, tc.dstKey), headCRC(t, e.bucket(alice, "src"), "big src+1"); got != want || got != crcOf(data) {
				t.Fatalf("CRC %d, source %d, want %d", got, want, crcOf(data))
			}
			if st := e.cloud.Stats(); st["UploadPartCopy"].Requests != n || st["UploadPart"].Requests != 0 {
				t.Fatalf("stats %+v, want %d part copies", st, n)
			}
			if exists(cp) {
				t.Fatal("checkpoint left after success")
			}
		})
	}
}
