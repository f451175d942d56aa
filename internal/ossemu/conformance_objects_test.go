package ossemu_test

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

func b64MD5(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestObjectContentMD5: a correct Content-MD5 is accepted, a wrong or
// malformed one is InvalidDigest and leaves the previous object in place.
func TestObjectContentMD5(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	data := content(10, 150_000)
	e.seed("bkt", ossemu.ObjectSpec{Key: "k", Data: []byte("previous")})
	cases := []struct {
		name string
		md5  string
		ok   bool
	}{
		{"correct", b64MD5(data), true},
		{"mismatched", b64MD5(append([]byte("x"), data...)), false},
		{"not base64", "not-an-md5!", false},
		{"wrong length", base64.StdEncoding.EncodeToString([]byte("short")), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := "md5-" + strings.ReplaceAll(tc.name, " ", "-")
			err := b.PutObject(key, bytes.NewReader(data), oss.ContentMD5(tc.md5))
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				equalBytes(t, "stored", e.stored("bkt", key), data)
				return
			}
			se := serviceError(t, err, http.StatusBadRequest, "InvalidDigest")
			if se.Message != "The Content-MD5 you specified was invalid." {
				t.Errorf("message %q", se.Message)
			}
			e.absent("bkt", key)
			// Over an existing object, the old one survives.
			wantServiceError(t, b.PutObject("k", bytes.NewReader(data), oss.ContentMD5(tc.md5)), http.StatusBadRequest, "InvalidDigest")
			if got := e.stored("bkt", "k"); string(got) != "previous" {
				t.Fatalf("failed PutObject replaced the object: %d bytes", len(got))
			}
		})
	}
	// The client-side switch computes Content-MD5 for every upload.
	bm := e.bucket(alice, "bkt", oss.EnableMD5(true))
	if err := bm.PutObject("auto-md5", bytes.NewReader(data)); err != nil {
		t.Fatalf("EnableMD5 PutObject: %v", err)
	}
}

func gzipped(t testing.TB, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestObjectHeadersAndMetadata stores every header PutObject may set and
// reads them back from HEAD, GET, GetObjectACL and GetObjectTagging.
func TestObjectHeadersAndMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			b := e.bucket(alice, "bkt", sg.opts(hz)...)
			plain := bytes.Repeat([]byte("compressible text, "), 2000)
			gz := gzipped(t, plain)
			key := "meta/" + sg.name + "/report.json.gz"
			expires := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
			var putHdr http.Header
			err := b.PutObject(key, bytes.NewReader(gz),
				oss.ContentType("application/json"),
				oss.ContentEncoding("gzip"),
				oss.ContentDisposition(`attachment; filename="report.json"`),
				oss.CacheControl("max-age=3600, private"),
				oss.Expires(expires),
				oss.ContentLanguage("zh-CN"),
				oss.Meta("Author", "Alice Smith"),
				oss.Meta("project-ID", "ü 42"),
				oss.ObjectStorageClass(oss.StorageIA),
				oss.ObjectACL(oss.ACLPublicRead),
				oss.SetTagging(oss.Tagging{Tags: []oss.Tag{{Key: "team a", Value: "x&y=z+w"}, {Key: "env", Value: "prod"}}}),
				oss.GetResponseHeader(&putHdr),
			)
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if putHdr.Get("ETag") != etagOf(gz) || putHdr.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crcOf(gz), 10) {
				t.Fatalf("PutObject response ETag %s CRC %s", putHdr.Get("ETag"), putHdr.Get("X-Oss-Hash-Crc64ecma"))
			}

			h, err := b.GetObjectDetailedMeta(key)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"Content-Type":          "application/json",
				"Content-Encoding":      "gzip",
				"Content-Disposition":   `attachment; filename="report.json"`,
				"Cache-Control":         "max-age=3600, private",
				"Expires":               expires.Format(http.TimeFormat),
				"Content-Language":      "zh-CN",
				"Content-Length":        strconv.Itoa(len(gz)),
				"ETag":                  etagOf(gz),
				"X-Oss-Hash-Crc64ecma":  strconv.FormatUint(crcOf(gz), 10),
				"X-Oss-Meta-Author":     "Alice Smith",
				"X-Oss-Meta-Project-Id": "ü 42",
				"X-Oss-Storage-Class":   "IA",
				"X-Oss-Object-Type":     "Normal",
				"X-Oss-Tagging-Count":   "2",
				"Accept-Ranges":         "bytes",
			}
			for name, v := range want {
				if got := h.Get(name); got != v {
					t.Errorf("HEAD %s = %q, want %q", name, got, v)
				}
			}
			if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
				t.Errorf("Last-Modified %q: %v", h.Get("Last-Modified"), err)
			}

			// Raw bytes with Accept-Encoding: identity, byte for byte.
			equalBytes(t, "GetObject identity", getBytes(t, b, key, oss.AcceptEncoding("identity")), gz)
			dir := t.TempDir()
			if err := b.GetObjectToFile(key, filepath.Join(dir, "raw"), oss.AcceptEncoding("identity")); err != nil {
				t.Fatalf("GetObjectToFile identity: %v", err)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, "raw"))
			equalBytes(t, "GetObjectToFile identity", raw, gz)
			// Without it Go's transport asks for gzip and silently inflates,
			// so the CRC of what the SDK read no longer matches the header.
			equalBytes(t, "GetObject default (inflated by net/http)", getBytes(t, b, key), plain)
			var crcErr oss.CRCCheckError
			if err := b.GetObjectToFile(key, filepath.Join(dir, "inflated")); !errors.As(err, &crcErr) {
				t.Fatalf("GetObjectToFile without identity: want CRCCheckError, got %v", err)
			}

			if acl, err := b.GetObjectACL(key); err != nil || acl.ACL != "public-read" {
				t.Fatalf("GetObjectACL: %+v %v", acl, err)
			}
			tg, err := b.GetObjectTagging(key)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, tag := range tg.Tags {
				got[tag.Key] = tag.Value
			}
			if len(got) != 2 || got["team a"] != "x&y=z+w" || got["env"] != "prod" {
				t.Fatalf("tags %v", got)
			}
			// response-content-* override headers on GET only.
			var getHdr http.Header
			rc, err := b.GetObject(key, oss.AcceptEncoding("identity"), oss.ResponseContentDisposition("inline"), oss.ResponseCacheControl("no-cache"), oss.GetResponseHeader(&getHdr))
			if err != nil {
				t.Fatal(err)
			}
			_ = rc.Close()
			if getHdr.Get("Content-Disposition") != "inline" || getHdr.Get("Cache-Control") != "no-cache" {
				t.Fatalf("response overrides: %v", getHdr)
			}
		})
	}
}

// TestObjectDefaults: a PutObject without options gets the SDK's type from
// the key's extension (or application/octet-stream), the bucket's class and
// the default ACL.
func TestObjectDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "ia-bkt", Region: hz, Owner: alice, StorageClass: "IA"},
	)
	for _, tc := range []struct{ bucket, key, ctype, class string }{
		{"bkt", "page.html", "text/html", "Standard"},
		{"bkt", "noext", "application/octet-stream", "Standard"},
		{"ia-bkt", "x.bin", "application/octet-stream", "IA"},
	} {
		b := e.bucket(alice, tc.bucket)
		if err := b.PutObject(tc.key, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		h, err := b.GetObjectDetailedMeta(tc.key)
		if err != nil {
			t.Fatal(err)
		}
		if h.Get("Content-Type") != tc.ctype || h.Get("X-Oss-Storage-Class") != tc.class {
			t.Errorf("%s/%s: type %q class %q", tc.bucket, tc.key, h.Get("Content-Type"), h.Get("X-Oss-Storage-Class"))
		}
		if acl, err := b.GetObjectACL(tc.key); err != nil || acl.ACL != "default" {
			t.Errorf("%s/%s: ACL %+v %v", tc.bucket, tc.key, acl, err)
		}
	}
}

// TestObjectETagAndCRC: ETag is the quoted upper-case MD5 and
// x-oss-hash-crc64ecma the CRC-64/ECMA of the content, for PutObject (the
// SDK verifies the CRC itself), HEAD, GET and listings.
func TestObjectETagAndCRC(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	cases := []struct {
		name    string
		data    []byte
		wantCRC string // known answer, where there is one
	}{
		{"empty", nil, "0"},
		{"check string", []byte("123456789"), "11051210869376104954"},
		{"hello world", []byte("hello world"), "5981764153023615706"},
		{"one byte", []byte{0}, ""},
		{"100 KiB + 3", content(11, 100<<10+3), ""},
		{"2 MiB", content(12, 2<<20), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := "crc/" + tc.name
			var hdr http.Header
			if err := b.PutObject(key, bytes.NewReader(tc.data), oss.GetResponseHeader(&hdr)); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			wantCRC := strconv.FormatUint(crcOf(tc.data), 10)
			if tc.wantCRC != "" && tc.wantCRC != wantCRC {
				t.Fatalf("test vector: crc %s, want %s", wantCRC, tc.wantCRC)
			}
			if hdr.Get("ETag") != etagOf(tc.data) || hdr.Get("X-Oss-Hash-Crc64ecma") != wantCRC {
				t.Fatalf("PutObject: ETag %s CRC %s, want %s %s", hdr.Get("ETag"), hdr.Get("X-Oss-Hash-Crc64ecma"), etagOf(tc.data), wantCRC)
			}
			if got := headCRC(t, b, key); strconv.FormatUint(got, 10) != wantCRC {
				t.Fatalf("HEAD CRC %d", got)
			}
			var getHdr http.Header
			got := getBytes(t, b, key, oss.GetResponseHeader(&getHdr))
			equalBytes(t, "GetObject", got, tc.data)
			if getHdr.Get("ETag") != etagOf(tc.data) || getHdr.Get("Content-Length") != strconv.Itoa(len(tc.data)) {
				t.Fatalf("GET headers %v", getHdr)
			}
			// GetObjectToFile verifies the CRC of what it wrote.
			path := filepath.Join(t.TempDir(), "f")
			if err := b.GetObjectToFile(key, path); err != nil {
				t.Fatalf("GetObjectToFile: %v", err)
			}
			onDisk, _ := os.ReadFile(path)
			equalBytes(t, "GetObjectToFile", onDisk, tc.data)
			res, err := b.ListObjectsV2(oss.Prefix(key))
			if err != nil || len(res.Objects) != 1 || res.Objects[0].ETag != etagOf(tc.data) || res.Objects[0].Size != int64(len(tc.data)) {
				t.Fatalf("listing %+v %v", res.Objects, err)
			}
		})
	}
}

// TestObjectChunkedUpload: a body of unknown length goes out chunked; size,
// ETag and CRC come from the bytes received.
func TestObjectChunkedUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	data := content(13, 3<<20+17)
	pr, pw := io.Pipe()
	go func() {
		for off := 0; off < len(data); off += 64 << 10 {
			if _, err := pw.Write(data[off:min(off+64<<10, len(data))]); err != nil {
				return
			}
		}
		_ = pw.Close()
	}()
	if err := b.PutObject("chunked", pr); err != nil {
		t.Fatalf("chunked PutObject: %v", err)
	}
	equalBytes(t, "chunked", getBytes(t, b, "chunked"), data)
	if crc := headCRC(t, b, "chunked"); crc != crcOf(data) {
		t.Fatalf("CRC %d, want %d", crc, crcOf(data))
	}
}

// TestObjectRanges: one-range GETs as OSS serves them, with and without
// x-oss-range-behavior: standard.
func TestObjectRanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	data := content(14, 1000)
	e.seed("bkt", ossemu.ObjectSpec{Key: "obj", Data: data}, ossemu.ObjectSpec{Key: "empty"})
	const whole = -1
	cases := []struct {
		name     string
		key      string
		rng      string // after "bytes="
		standard bool
		status   int
		first    int // whole: no Content-Range, the whole object
		last     int
		code     string
	}{
		{"a-b", "obj", "0-9", false, 206, 0, 9, ""},
		{"a-b middle", "obj", "100-199", false, 206, 100, 199, ""},
		{"last byte", "obj", "999-999", false, 206, 999, 999, ""},
		{"a-", "obj", "990-", false, 206, 990, 999, ""},
		{"-n", "obj", "-10", false, 206, 990, 999, ""},
		{"-n longer than object", "obj", "-5000", false, 206, 0, 999, ""},
		{"start past end ignored", "obj", "1000-", false, 200, whole, 0, ""},
		{"both past end ignored", "obj", "1000-1005", false, 200, whole, 0, ""},
		{"end past size ignored", "obj", "5-2000", false, 200, whole, 0, ""},
		{"reversed ignored", "obj", "10-5", false, 200, whole, 0, ""},
		{"garbage ignored", "obj", "abc", false, 200, whole, 0, ""},
		{"-0 ignored", "obj", "-0", false, 200, whole, 0, ""},
		// Difference from OSS: multi-range requests get the whole object.
		{"multi-range ignored", "obj", "0-1,5-6", false, 200, whole, 0, ""},
		{"standard a-b", "obj", "0-9", true, 206, 0, 9, ""},
		{"standard end past size clipped", "obj", "5-2000", true, 206, 5, 999, ""},
		{"standard start past end", "obj", "1000-", true, 416, 0, 0, "InvalidRange"},
		{"standard both past end", "obj", "1000-1005", true, 416, 0, 0, "InvalidRange"},
		{"empty object range ignored", "empty", "0-0", false, 200, whole, 0, ""},
		{"standard empty object", "empty", "0-0", true, 416, 0, 0, "InvalidRange"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []oss.Option{oss.NormalizedRange(tc.rng)}
			if tc.standard {
				opts = append(opts, oss.RangeBehavior("standard"))
			}
			res, err := b.DoGetObject(&oss.GetObjectRequest{ObjectKey: tc.key}, opts)
			if tc.code != "" {
				wantServiceError(t, err, tc.status, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = res.Response.Close() }()
			got, err := io.ReadAll(res.Response)
			if err != nil {
				t.Fatal(err)
			}
			full := e.stored("bkt", tc.key)
			if res.Response.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.Response.StatusCode, tc.status)
			}
			cr := res.Response.Headers.Get("Content-Range")
			if tc.first == whole {
				if cr != "" {
					t.Fatalf("Content-Range %q on a whole-object answer", cr)
				}
				equalBytes(t, "whole", got, full)
				return
			}
			if want := fmt.Sprintf("bytes %d-%d/%d", tc.first, tc.last, len(full)); cr != want {
				t.Fatalf("Content-Range %q, want %q", cr, want)
			}
			equalBytes(t, "range", got, full[tc.first:tc.last+1])
			if cl := res.Response.Headers.Get("Content-Length"); cl != strconv.Itoa(tc.last-tc.first+1) {
				t.Fatalf("Content-Length %s", cl)
			}
			// A ranged answer still carries the whole object's CRC.
			if res.Response.Headers.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crcOf(full), 10) {
				t.Fatalf("CRC header %s", res.Response.Headers.Get("X-Oss-Hash-Crc64ecma"))
			}
		})
	}
}

// TestObjectHeadAndMeta: HEAD gives the full header set, GetObjectMeta the
// light one; conditions give 304/412.
func TestObjectHeadAndMeta(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	data := content(15, 4321)
	lm := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	e.seed("bkt", ossemu.ObjectSpec{Key: "k", Data: data, LastModified: lm, Meta: map[string]string{"a": "b"}})

	m, err := b.GetObjectMeta("k")
	if err != nil {
		t.Fatal(err)
	}
	if m.Get("ETag") != etagOf(data) || m.Get("Content-Length") != "4321" || m.Get("Last-Modified") != lm.Format(http.TimeFormat) {
		t.Fatalf("GetObjectMeta %v", m)
	}
	h, err := b.GetObjectDetailedMeta("k")
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Content-Length") != "4321" || h.Get("Last-Modified") != lm.Format(http.TimeFormat) || h.Get("X-Oss-Meta-A") != "b" || h.Get("X-Oss-Request-Id") == "" {
		t.Fatalf("HEAD %v", h)
	}
	if ok, err := b.IsObjectExist("k"); err != nil || !ok {
		t.Fatalf("IsObjectExist: %v %v", ok, err)
	}
	if ok, err := b.IsObjectExist("missing"); err != nil || ok {
		t.Fatalf("IsObjectExist(missing): %v %v", ok, err)
	}

	_, err = b.GetObject("k", oss.IfMatch(`"0000"`))
	wantServiceError(t, err, http.StatusPreconditionFailed, "PreconditionFailed")
	_, err = b.GetObjectDetailedMeta("k", oss.IfUnmodifiedSince(lm.Add(-time.Hour)))
	wantServiceError(t, err, http.StatusPreconditionFailed, "PreconditionFailed")
	if _, err := b.GetObject("k", oss.IfNoneMatch(etagOf(data))); err == nil || !strings.Contains(err.Error(), "304") {
		t.Fatalf("If-None-Match on the current ETag: want 304, got %v", err)
	}
	if _, err := b.GetObject("k", oss.IfModifiedSince(lm)); err == nil || !strings.Contains(err.Error(), "304") {
		t.Fatalf("If-Modified-Since Last-Modified: want 304, got %v", err)
	}
	equalBytes(t, "If-Match current", getBytes(t, b, "k", oss.IfMatch(etagOf(data))), data)
	equalBytes(t, "If-Modified-Since earlier", getBytes(t, b, "k", oss.IfModifiedSince(lm.Add(-time.Second))), data)
}

// TestObjectErrors: missing keys and buckets, on body and HEAD responses.
func TestObjectErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	nb := e.bucketOn(alice, hz, "no-such-bucket")
	e.seed("bkt", ossemu.ObjectSpec{Key: "exists", Data: []byte("x")})
	cases := []struct {
		name   string
		op     func() error
		status int
		code   string
	}{
		{"GetObject missing key", func() error { _, err := b.GetObject("nope"); return err }, 404, "NoSuchKey"},
		{"HEAD missing key (x-oss-err)", func() error { _, err := b.GetObjectDetailedMeta("nope"); return err }, 404, "NoSuchKey"},
		{"GetObjectMeta missing key", func() error { _, err := b.GetObjectMeta("nope"); return err }, 404, "NoSuchKey"},
		{"GetObjectTagging missing key", func() error { _, err := b.GetObjectTagging("nope"); return err }, 404, "NoSuchKey"},
		{"PutObjectTagging missing key", func() error {
			return b.PutObjectTagging("nope", oss.Tagging{Tags: []oss.Tag{{Key: "a", Value: "b"}}})
		}, 404, "NoSuchKey"},
		{"SetObjectACL missing key", func() error { return b.SetObjectACL("nope", oss.ACLPrivate) }, 404, "NoSuchKey"},
		{"CopyObject missing source", func() error { _, err := b.CopyObject("nope", "dst"); return err }, 404, "NoSuchKey"},
		{"GetObject missing bucket", func() error { _, err := nb.GetObject("k"); return err }, 404, "NoSuchBucket"},
		{"HEAD missing bucket", func() error { _, err := nb.GetObjectDetailedMeta("k"); return err }, 404, "NoSuchBucket"},
		{"PutObject missing bucket", func() error { return nb.PutObject("k", strings.NewReader("x")) }, 404, "NoSuchBucket"},
		{"ListObjectsV2 missing bucket", func() error { _, err := nb.ListObjectsV2(); return err }, 404, "NoSuchBucket"},
		{"key too long", func() error { return b.PutObject(strings.Repeat("k", 1024), strings.NewReader("x")) }, 400, "InvalidObjectName"},
		{"bad storage class", func() error {
			return b.PutObject("k", strings.NewReader("x"), oss.ObjectStorageClass("Glacier"))
		}, 400, "InvalidArgument"},
		{"bad object ACL", func() error { return b.PutObject("k", strings.NewReader("x"), oss.ObjectACL("everyone")) }, 400, "InvalidArgument"},
		{"forbid overwrite", func() error {
			return b.PutObject("exists", strings.NewReader("y"), oss.ForbidOverWrite(true))
		}, 409, "FileAlreadyExists"},
		{"too many tags", func() error {
			var tags []oss.Tag
			for i := range 11 {
				tags = append(tags, oss.Tag{Key: fmt.Sprint("k", i), Value: "v"})
			}
			return b.PutObject("k", strings.NewReader("x"), oss.SetTagging(oss.Tagging{Tags: tags}))
		}, 400, "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			se := serviceError(t, tc.op(), tc.status, tc.code)
			if se.Ec == "" {
				t.Errorf("no EC in %+v", se)
			}
		})
	}
	if got := e.stored("bkt", "exists"); string(got) != "x" {
		t.Fatalf("forbid-overwrite replaced the object: %q", got)
	}
	if err := b.PutObject(strings.Repeat("k", 1023), strings.NewReader("x")); err != nil {
		t.Fatalf("1023-byte key: %v", err)
	}
	if err := b.PutObject("new", strings.NewReader("x"), oss.ForbidOverWrite(true)); err != nil {
		t.Fatalf("forbid overwrite of a new key: %v", err)
	}
}

// TestObjectDelete: DeleteObject answers 204 (the SDK insists) for present
// and missing keys; DeleteObjects reports keys URL-encoded, quiet or not.
func TestObjectDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	e.seed("bkt", ossemu.ObjectSpec{Key: "single", Data: []byte("x")})
	if err := b.DeleteObject("single"); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	e.absent("bkt", "single")
	if err := b.DeleteObject("never-existed"); err != nil {
		t.Fatalf("DeleteObject of a missing key: %v", err)
	}

	special := []string{
		"plain", "with space", "plus+sign", "percent%25literal", "100%", "ü/ö/日本語",
		"line\nbreak", "carriage\rreturn", "tab\there", `xml <&>"'`, "a/b//c/../d", "ctrl\x01char",
		"question?mark#hash", "emoji 😀",
	}
	for _, quiet := range []bool{false, true} {
		t.Run(fmt.Sprintf("quiet=%v", quiet), func(t *testing.T) {
			for _, k := range special {
				e.seed("bkt", ossemu.ObjectSpec{Key: k, Data: []byte(k)})
			}
			keys := append([]string{"missing key"}, special...)
			res, err := b.DeleteObjects(keys, oss.DeleteObjectsQuiet(quiet))
			if err != nil {
				t.Fatalf("DeleteObjects: %v", err)
			}
			if quiet {
				if len(res.DeletedObjects) != 0 {
					t.Fatalf("quiet DeleteObjects reported %q", res.DeletedObjects)
				}
			} else {
				got := append([]string(nil), res.DeletedObjects...)
				sort.Strings(got)
				want := append([]string(nil), keys...)
				sort.Strings(want)
				if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
					t.Fatalf("deleted %q\nwant    %q", got, want)
				}
			}
			if left, _ := e.cloud.Keys("bkt", ""); len(left) != 0 {
				t.Fatalf("left behind: %q", left)
			}
		})
	}
}

// TestObjectTagging: PutObjectTagging replaces, GetObjectTagging reads back
// exactly, DeleteObjectTagging (204) clears.
func TestObjectTagging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	if err := b.PutObject("k", strings.NewReader("x"), oss.SetTagging(oss.Tagging{Tags: []oss.Tag{{Key: "a", Value: "1"}}})); err != nil {
		t.Fatal(err)
	}
	tags := func() map[string]string {
		t.Helper()
		res, err := b.GetObjectTagging("k")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tag := range res.Tags {
			m[tag.Key] = tag.Value
		}
		return m
	}
	if got := tags(); len(got) != 1 || got["a"] != "1" {
		t.Fatalf("after put: %v", got)
	}
	set := oss.Tagging{Tags: []oss.Tag{{Key: "k 1", Value: "v&1"}, {Key: "ключ", Value: "значение"}, {Key: "empty", Value: ""}}}
	if err := b.PutObjectTagging("k", set); err != nil {
		t.Fatal(err)
	}
	if got := tags(); len(got) != 3 || got["k 1"] != "v&1" || got["ключ"] != "значение" || got["empty"] != "" {
		t.Fatalf("after PutObjectTagging: %v", got)
	}
	if h, _ := b.GetObjectDetailedMeta("k"); h.Get("X-Oss-Tagging-Count") != "3" {
		t.Fatalf("x-oss-tagging-count %q", h.Get("X-Oss-Tagging-Count"))
	}
	if err := b.DeleteObjectTagging("k"); err != nil {
		t.Fatalf("DeleteObjectTagging: %v", err)
	}
	if got := tags(); len(got) != 0 {
		t.Fatalf("after DeleteObjectTagging: %v", got)
	}
	if got := e.stored("bkt", "k"); string(got) != "x" {
		t.Fatalf("tagging changed content: %q", got)
	}
}

// TestObjectACL: object ACLs override the bucket's for anonymous readers.
func TestObjectACL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	data := content(16, 999)
	if err := b.PutObject("k", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	url := e.cloud.Endpoint(hz) + "/bkt/k"
	for _, tc := range []struct {
		acl    oss.ACLType
		status int
	}{
		{oss.ACLPublicRead, 200},
		{oss.ACLPrivate, 403},
		{oss.ACLPublicReadWrite, 200},
		{oss.ACLDefault, 403},
	} {
		if err := b.SetObjectACL("k", tc.acl); err != nil {
			t.Fatalf("SetObjectACL %s: %v", tc.acl, err)
		}
		if got, err := b.GetObjectACL("k"); err != nil || got.ACL != string(tc.acl) {
			t.Fatalf("GetObjectACL: %+v %v", got, err)
		}
		resp, body := rawDo(t, http.MethodGet, url, nil)
		if resp.StatusCode != tc.status {
			t.Fatalf("anonymous GET under %s: %d", tc.acl, resp.StatusCode)
		}
		if tc.status == 200 {
			equalBytes(t, "anonymous GET", body, data)
		}
	}
	wantServiceError(t, b.SetObjectACL("k", "bogus"), http.StatusBadRequest, "InvalidArgument")
}

// TestObjectOddKeys: keys that path cleaning, URL parsing or escaping could
// mangle are stored and read back verbatim, with both signers.
func TestObjectOddKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	keys := []string{
		".", "..", "a/.", "a/..", "./x", "../x", "x/", "x//", "x//y", "%", "%%", "%2F", "%zz", `a\b`,
		"+", " ", "  two  ", "a?b#c", "a;b=c&d", "ü", "日本/語", "😀", "~!*'()", "[]{}|^`",
		strings.Repeat("long/", 204) + "end", // 1023 bytes
	}
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			b := e.bucket(alice, "bkt", sg.opts(hz)...)
			for i, k := range keys {
				data := []byte(fmt.Sprintf("%s:%d:%q", sg.name, i, k))
				if err := b.PutObject(k, bytes.NewReader(data)); err != nil {
					t.Fatalf("PutObject %q: %v", k, err)
				}
				equalBytes(t, fmt.Sprintf("GetObject %q", k), getBytes(t, b, k), data)
				equalBytes(t, fmt.Sprintf("stored %q", k), e.stored("bkt", k), data)
				if _, err := b.GetObjectDetailedMeta(k); err != nil {
					t.Fatalf("HEAD %q: %v", k, err)
				}
			}
		})
	}
	got, _ := e.cloud.Keys("bkt", "")
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("stored keys %q\nwant %q", got, want)
	}
	// Keys OSS refuses.
	for _, k := range []string{"/leading-slash", "\\leading-backslash", "bad\xffutf8"} {
		err := e.bucket(alice, "bkt").PutObject(k, strings.NewReader("x"))
		wantServiceError(t, err, http.StatusBadRequest, "InvalidObjectName")
	}
}
