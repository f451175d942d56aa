package ossstore

// Unit tests for the conversions the emulator cannot provoke: answers a
// well-behaved server never gives.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

func TestFail(t *testing.T) {
	b := &bucket{name: "bkt"}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()

	// A HEAD error without x-oss-err: no code, no body, only the status.
	err := b.fail(bg, "Head", "k", "", oss.ServiceError{StatusCode: http.StatusNotFound, RequestID: "R1"})
	var se *storage.Error
	if !errors.As(err, &se) || se.StatusCode != 404 || se.Code != "" || se.Message != "Not Found" || se.RequestID != "R1" ||
		se.Op != "Head" || se.Bucket != "bkt" || se.Key != "k" {
		t.Fatalf("HEAD 404: %#v", se)
	}

	// An unexpected success status (PutObject wants exactly 200).
	err = b.fail(bg, "Put", "k", "", oss.CheckRespCode(http.StatusAccepted, []int{http.StatusOK}))
	if !errors.As(err, &se) || se.StatusCode != http.StatusAccepted || se.Op != "Put" {
		t.Fatalf("unexpected status: %v", err)
	}

	// A detail is kept next to the *storage.Error.
	err = b.fail(bg, "UploadPart", "k", "part 3", fmt.Errorf("wrapped: %w", oss.ServiceError{StatusCode: 503, Code: "SlowDown", Message: "m"}))
	if !errors.As(err, &se) || se.Code != "SlowDown" || !strings.Contains(err.Error(), "part 3") {
		t.Fatalf("detail: %v", err)
	}

	// A CRC failure whose response is gone still says CRC mismatch.
	err = b.failWrite(bg, "Put", "k", "", nil, oss.CheckDownloadCRC(1, 2))
	if !errors.Is(err, storage.ErrCRCMismatch) {
		t.Fatalf("CRC without response: %v", err)
	}
	// With the response, the numbers are the response's.
	resp := &oss.Response{Headers: http.Header{"X-Oss-Request-Id": {"R2"}}, ServerCRC: 7, ClientCRC: 9}
	err = b.failWrite(bg, "UploadPart", "k", "part 2", resp, oss.CheckCRC(&oss.Response{Headers: http.Header{"X-Oss-Hash-Crc64ecma": {"7"}}, ServerCRC: 7, ClientCRC: 9}, "UploadPart"))
	var ce *storage.CRCError
	if !errors.As(err, &ce) || ce.Got != 7 || ce.Expected != 9 || !strings.Contains(ce.What, "part 2") || !strings.Contains(ce.What, "R2") {
		t.Fatalf("CRC with response: %v", err)
	}

	// Once the context has ended, errors.Is sees it whatever the transport said.
	err = b.fail(cancelled, "Get", "k", "", io.ErrUnexpectedEOF)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cancelled: %v", err)
	}
	// An answer from OSS stays an answer even then.
	err = b.fail(cancelled, "Get", "k", "", oss.ServiceError{StatusCode: 403, Code: "AccessDenied"})
	if !errors.As(err, &se) || errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled service error: %v", err)
	}
	// Other errors keep their identity.
	err = b.fail(bg, "List", "", `prefix "p"`, io.ErrUnexpectedEOF)
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se) {
		t.Fatalf("plain: %v", err)
	}
}

func TestGetSize(t *testing.T) {
	resp := func(status int, kv ...string) *oss.Response {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &oss.Response{StatusCode: status, Headers: h}
	}
	for _, tc := range []struct {
		name           string
		resp           *oss.Response
		ranged         bool
		offset, length int64
		size           int64
		ok             bool
	}{
		{"whole", resp(200, "Content-Length", "10"), false, 0, -1, 10, true},
		{"range", resp(206, "Content-Range", "bytes 2-5/10"), true, 2, 4, 10, true},
		{"clipped range", resp(206, "Content-Range", "bytes 8-9/10"), true, 8, 4, 10, true},
		{"range to end", resp(206, "Content-Range", "bytes 2-9/10"), true, 2, -1, 10, true},
		{"range covering all, 200", resp(200, "Content-Length", "10"), true, 0, 20, 10, true},
		{"wrong start", resp(206, "Content-Range", "bytes 0-3/10"), true, 2, 4, 0, false},
		{"too long", resp(206, "Content-Range", "bytes 2-9/10"), true, 2, 4, 0, false},
		{"range ignored", resp(200, "Content-Length", "10"), true, 2, 4, 0, false},
		{"range ignored at 0", resp(200, "Content-Length", "10"), true, 0, 4, 0, false},
		{"bad Content-Range", resp(206, "Content-Range", "bytes */10"), true, 2, 4, 0, false},
		{"last past size", resp(206, "Content-Range", "bytes 2-10/10"), true, 2, -1, 0, false},
		{"no Content-Length", resp(200), false, 0, -1, 0, false},
	} {
		size, err := getSize(tc.resp, tc.ranged, tc.offset, tc.length)
		if (err == nil) != tc.ok || size != tc.size {
			t.Errorf("%s: size %d, err %v; want %d, ok=%v", tc.name, size, err, tc.size, tc.ok)
		}
	}
}

func TestObjectInfo(t *testing.T) {
	h := http.Header{}
	h.Set("ETag", `"AbC"`)
	h.Set("Last-Modified", "Fri, 24 Feb 2012 06:07:48 GMT")
	h.Set("X-Oss-Hash-Crc64ecma", "18446744073709551615")
	h.Set("X-Oss-Meta-Some-Name", "v")
	h.Set("X-Oss-Tagging-Count", "3")
	h.Set("X-Oss-Storage-Class", "IA")
	info, err := objectInfo("k", 5, h)
	if err != nil {
		t.Fatal(err)
	}
	if info.ETag != "AbC" || info.CRC64 != 1<<64-1 || !info.HasCRC64 || info.Metadata.User["some-name"] != "v" ||
		info.Metadata.TagCount != 3 || info.StorageClass != "IA" || info.Metadata.StorageClass != "IA" || info.LastModified.Unix() != 1330063668 {
		t.Fatalf("%+v", info)
	}
	for name, v := range map[string]string{"X-Oss-Hash-Crc64ecma": "-1", "Last-Modified": "yesterday", "X-Oss-Tagging-Count": "many"} {
		bad := h.Clone()
		bad.Set(name, v)
		if _, err := objectInfo("k", 5, bad); err == nil {
			t.Errorf("%s %q accepted", name, v)
		}
	}
	h.Del("X-Oss-Hash-Crc64ecma")
	if info, err := objectInfo("k", 5, h); err != nil || info.HasCRC64 {
		t.Fatalf("no CRC header: %+v %v", info, err)
	}
}
