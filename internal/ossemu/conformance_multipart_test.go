package ossemu_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// multipartKeys need escaping in URLs and XML; the SDK sends later calls to
// the Key InitiateMultipartUpload echoes, so it must come back exactly.
var multipartKeys = []string{
	"plain.bin",
	"with space/and more spaces",
	"ünïcödé/ключ/日本語.dat",
	"a+b=c&d;e",
	"100%/x%20y",
	"dir//double/../dots/./x",
	"trailing space ",
	"tab\tand\nnewline",
	`xml <&>"' chars`,
}

var multipartETag = regexp.MustCompile(`^"[0-9A-F]{32}-(\d+)"$`)

// TestMultipartRoundTrip initiates, uploads parts out of order (one twice),
// lists them and completes, for keys that need escaping.
func TestMultipartRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	for i, key := range multipartKeys {
		sg := signers[i%len(signers)]
		t.Run(fmt.Sprintf("%s/%q", sg.name, key), func(t *testing.T) {
			b := e.bucket(alice, "bkt", sg.opts(hz)...)
			parts := [][]byte{content(uint64(30+i), 150_000), content(uint64(40+i), 120_001), content(uint64(50+i), 7)}
			whole := bytes.Join(parts, nil)

			imur, err := b.InitiateMultipartUpload(key, oss.ContentType("application/x-mp"), oss.Meta("Kind", "multipart"),
				oss.ObjectStorageClass(oss.StorageIA), oss.SetTagging(oss.Tagging{Tags: []oss.Tag{{Key: "mp", Value: "yes"}}}))
			if err != nil {
				t.Fatalf("InitiateMultipartUpload: %v", err)
			}
			if imur.Key != key || imur.Bucket != "bkt" || imur.UploadID == "" {
				t.Fatalf("InitiateMultipartUploadResult %+v, want key %q", imur, key)
			}
			up := func(n int, data []byte) oss.UploadPart {
				t.Helper()
				var hdr http.Header
				// The SDK checks the part's x-oss-hash-crc64ecma itself.
				p, err := b.UploadPart(imur, bytes.NewReader(data), int64(len(data)), n, oss.GetResponseHeader(&hdr))
				if err != nil {
					t.Fatalf("UploadPart %d: %v", n, err)
				}
				if p.ETag != etagOf(data) || hdr.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crcOf(data), 10) {
					t.Fatalf("part %d: ETag %s CRC %s", n, p.ETag, hdr.Get("X-Oss-Hash-Crc64ecma"))
				}
				return p
			}
			p3 := up(3, parts[2])
			up(2, content(99, 100_000)) // replaced below
			p1 := up(1, parts[0])
			p2 := up(2, parts[1])

			lp, err := b.ListUploadedParts(imur)
			if err != nil {
				t.Fatalf("ListUploadedParts: %v", err)
			}
			if lp.Key != key || lp.UploadID != imur.UploadID || len(lp.UploadedParts) != 3 {
				t.Fatalf("ListUploadedParts %+v", lp)
			}
			for j, p := range lp.UploadedParts {
				if p.PartNumber != j+1 || p.Size != len(parts[j]) || p.ETag != etagOf(parts[j]) || p.LastModified.IsZero() {
					t.Fatalf("listed part %d: %+v", j+1, p)
				}
			}
			if ups := e.cloud.Uploads("bkt"); len(ups) != 1 || ups[0].Key != key || ups[0].Parts != 3 {
				t.Fatalf("Uploads %+v", ups)
			}

			var hdr http.Header
			res, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p3, p1, p2}, oss.GetResponseHeader(&hdr))
			if err != nil {
				t.Fatalf("CompleteMultipartUpload: %v", err)
			}
			if res.Key != key || res.Bucket != "bkt" || !multipartETag.MatchString(res.ETag) || !strings.HasSuffix(res.ETag, `-3"`) {
				t.Fatalf("CompleteMultipartUploadResult %+v", res)
			}
			if len(e.cloud.Uploads("bkt")) != 0 {
				t.Fatal("upload still listed after Complete")
			}

			equalBytes(t, "completed object", getBytes(t, b, key), whole)
			h, err := b.GetObjectDetailedMeta(key)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Get("X-Oss-Hash-Crc64ecma"); got != strconv.FormatUint(crcOf(whole), 10) || hdr.Get("X-Oss-Hash-Crc64ecma") != got {
				t.Fatalf("CRC HEAD %s Complete %s, want %d", got, hdr.Get("X-Oss-Hash-Crc64ecma"), crcOf(whole))
			}
			want := map[string]string{
				"ETag": res.ETag, "Content-Length": strconv.Itoa(len(whole)), "X-Oss-Object-Type": "Multipart",
				"Content-Type": "application/x-mp", "X-Oss-Meta-Kind": "multipart", "X-Oss-Storage-Class": "IA", "X-Oss-Tagging-Count": "1",
			}
			for name, v := range want {
				if h.Get(name) != v {
					t.Errorf("HEAD %s = %q, want %q", name, h.Get(name), v)
				}
			}
			lr, err := b.ListObjectsV2(oss.Prefix(key))
			if err != nil || len(lr.Objects) == 0 || lr.Objects[0].Key != key || lr.Objects[0].Type != "Multipart" || lr.Objects[0].ETag != res.ETag {
				t.Fatalf("listing %+v %v", lr.Objects, err)
			}
			// The upload is gone: its ID no longer works.
			_, err = b.UploadPart(imur, bytes.NewReader(parts[2]), int64(len(parts[2])), 4)
			wantServiceError(t, err, http.StatusNotFound, "NoSuchUpload")
		})
	}
}

// completeXML posts a hand-written CompleteMultipartUpload body: the SDK
// sorts parts, so out-of-order lists need this.
func completeXML(b *oss.Bucket, imur oss.InitiateMultipartUploadResult, parts ...oss.UploadPart) error {
	var sb strings.Builder
	sb.WriteString("<CompleteMultipartUpload>")
	for _, p := range parts {
		fmt.Fprintf(&sb, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", p.PartNumber, p.ETag)
	}
	sb.WriteString("</CompleteMultipartUpload>")
	resp, err := b.Do("POST", imur.Key, map[string]interface{}{"uploadId": imur.UploadID}, nil, strings.NewReader(sb.String()), nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// TestMultipartCompleteErrors: CompleteMultipartUpload refuses bad part
// lists and leaves the upload usable.
func TestMultipartCompleteErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	big1, big2, small := content(60, 102_400), content(61, 200_000), content(62, 1000)
	imur, err := b.InitiateMultipartUpload("obj")
	if err != nil {
		t.Fatal(err)
	}
	var parts []oss.UploadPart
	for n, data := range [][]byte{big1, big2, small} {
		p, err := b.UploadPart(imur, bytes.NewReader(data), int64(len(data)), n+1)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	p1, p2, p3 := parts[0], parts[1], parts[2]
	bad := oss.UploadPart{PartNumber: 2, ETag: etagOf([]byte("something else"))}
	missing := oss.UploadPart{PartNumber: 7, ETag: p1.ETag}

	// A second upload whose first part is too small.
	imurSmall, _ := b.InitiateMultipartUpload("small-first")
	s1, _ := b.UploadPart(imurSmall, bytes.NewReader(small), int64(len(small)), 1)
	s2, _ := b.UploadPart(imurSmall, bytes.NewReader(big1), int64(len(big1)), 2)

	cases := []struct {
		name     string
		complete func() error
		status   int
		code     string
	}{
		{"descending order", func() error { return completeXML(b, imur, p2, p1) }, 400, "InvalidPartOrder"},
		{"duplicate part number", func() error { _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, p1, p2}); return err }, 400, "InvalidPartOrder"},
		{"part never uploaded", func() error { _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, missing}); return err }, 400, "InvalidPart"},
		{"wrong ETag", func() error { _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, bad}); return err }, 400, "InvalidPart"},
		{"non-last part under 100 KB", func() error { _, err := b.CompleteMultipartUpload(imurSmall, []oss.UploadPart{s1, s2}); return err }, 400, "EntityTooSmall"},
		{"unknown upload ID", func() error {
			_, err := b.CompleteMultipartUpload(oss.InitiateMultipartUploadResult{Bucket: "bkt", Key: "obj", UploadID: "NOSUCHUPLOAD"}, []oss.UploadPart{p1})
			return err
		}, 404, "NoSuchUpload"},
		{"upload ID of another key", func() error {
			_, err := b.CompleteMultipartUpload(oss.InitiateMultipartUploadResult{Bucket: "bkt", Key: "other", UploadID: imur.UploadID}, []oss.UploadPart{p1})
			return err
		}, 404, "NoSuchUpload"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantServiceError(t, tc.complete(), tc.status, tc.code)
			e.absent("bkt", "obj")
			e.absent("bkt", "small-first")
		})
	}

	// After all that the upload still completes; unlisted part 2 is dropped,
	// and an unquoted ETag is as good as a quoted one.
	p3.ETag = strings.Trim(p3.ETag, `"`)
	if err := completeXML(b, imur, p1, p3); err != nil {
		t.Fatalf("Complete with parts 1 and 3: %v", err)
	}
	want := append(append([]byte(nil), big1...), small...)
	equalBytes(t, "parts 1+3", getBytes(t, b, "obj"), want)
	if crc := headCRC(t, b, "obj"); crc != crcOf(want) {
		t.Fatalf("CRC %d, want %d", crc, crcOf(want))
	}
	if ups := e.cloud.Uploads("bkt"); len(ups) != 1 || ups[0].Key != "small-first" {
		t.Fatalf("Uploads %+v", ups)
	}
}

// TestMultipartPartNumbers: part numbers are 1..10000; gaps are allowed.
func TestMultipartPartNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	imur, _ := b.InitiateMultipartUpload("gaps")
	for _, n := range []int{0, 10001, -1} {
		_, err := b.UploadPart(imur, strings.NewReader("x"), 1, n)
		wantServiceError(t, err, http.StatusBadRequest, "InvalidArgument")
	}
	a, b1 := content(63, 100<<10), content(64, 10)
	pa, err := b.UploadPart(imur, bytes.NewReader(a), int64(len(a)), 1)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.UploadPart(imur, bytes.NewReader(b1), int64(len(b1)), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{pa, pb}); err != nil {
		t.Fatal(err)
	}
	equalBytes(t, "parts 1 and 10000", getBytes(t, b, "gaps"), append(a, b1...))
}

// TestMultipartCompleteAll: x-oss-complete-all takes every uploaded part.
func TestMultipartCompleteAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	imur, _ := b.InitiateMultipartUpload("all")
	p1, p2 := content(65, 100<<10), content(66, 5)
	if _, err := b.UploadPart(imur, bytes.NewReader(p2), int64(len(p2)), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UploadPart(imur, bytes.NewReader(p1), int64(len(p1)), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CompleteMultipartUpload(imur, nil, oss.SetHeader("x-oss-complete-all", "yes")); err != nil {
		t.Fatalf("complete-all: %v", err)
	}
	equalBytes(t, "complete-all", getBytes(t, b, "all"), append(p1, p2...))
}

// TestMultipartUploadPartCopy builds an object from ranges of others, mixed
// with uploaded parts; each copied part's ETag is the MD5 of its range.
func TestMultipartUploadPartCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "src", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst", Region: hz, Owner: alice},
	)
	srcData := content(70, 400_000)
	srcKey := "src dir/ü+%.bin"
	e.seed("src", ossemu.ObjectSpec{Key: srcKey, Data: srcData}, ossemu.ObjectSpec{Key: "frozen", Data: srcData, StorageClass: "ColdArchive"})
	b := e.bucket(alice, "dst")
	uploaded := content(71, 123_456)

	imur, err := b.InitiateMultipartUpload("assembled/ü key")
	if err != nil {
		t.Fatal(err)
	}
	type piece struct {
		copyFrom   string // "" for an uploaded part
		start, len int64
	}
	pieces := []piece{
		{srcKey, 12_345, 150_000},              // unaligned middle range
		{"", 0, int64(len(uploaded))},          // an uploaded part
		{srcKey, 0, 100 << 10},                 // the start
		{srcKey, 400_000 - 100<<10, 100 << 10}, // the very end
		{srcKey, 399_999, 1},                   // the last byte alone, as the last part
	}
	var parts []oss.UploadPart
	var want []byte
	for i, pc := range pieces {
		n := i + 1
		var p oss.UploadPart
		var chunk []byte
		if pc.copyFrom == "" {
			chunk = uploaded
			p, err = b.UploadPart(imur, bytes.NewReader(chunk), int64(len(chunk)), n)
		} else {
			chunk = srcData[pc.start : pc.start+pc.len]
			p, err = b.UploadPartCopy(imur, "src", pc.copyFrom, pc.start, pc.len, n)
		}
		if err != nil {
			t.Fatalf("part %d: %v", n, err)
		}
		if p.ETag != etagOf(chunk) {
			t.Fatalf("part %d ETag %s, want %s", n, p.ETag, etagOf(chunk))
		}
		parts = append(parts, p)
		want = append(want, chunk...)
	}
	lp, err := b.ListUploadedParts(imur)
	if err != nil || len(lp.UploadedParts) != len(pieces) || lp.UploadedParts[0].Size != 150_000 {
		t.Fatalf("ListUploadedParts %+v %v", lp, err)
	}
	// A frozen source cannot be copied from.
	_, err = b.UploadPartCopy(imur, "src", "frozen", 0, 100, 9)
	wantServiceError(t, err, http.StatusForbidden, "InvalidObjectState")

	if _, err := b.CompleteMultipartUpload(imur, parts); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	equalBytes(t, "assembled", getBytes(t, b, "assembled/ü key"), want)
	if crc := headCRC(t, b, "assembled/ü key"); crc != crcOf(want) {
		t.Fatalf("CRC %d, want %d", crc, crcOf(want))
	}
}

// TestMultipartListParts pages through ListUploadedParts.
func TestMultipartListParts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	imur, _ := b.InitiateMultipartUpload("paged")
	numbers := []int{1, 2, 5, 7, 8, 100, 9999}
	for _, n := range numbers {
		if _, err := b.UploadPart(imur, strings.NewReader(strconv.Itoa(n)), int64(len(strconv.Itoa(n))), n); err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	marker := ""
	for page := 0; ; page++ {
		if page > len(numbers) {
			t.Fatal("ListUploadedParts does not terminate")
		}
		opts := []oss.Option{oss.MaxParts(3)}
		if marker != "" {
			opts = append(opts, oss.PartNumberMarker(mustAtoi(t, marker)))
		}
		res, err := b.ListUploadedParts(imur, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if res.MaxParts != 3 {
			t.Fatalf("MaxParts %d", res.MaxParts)
		}
		for _, p := range res.UploadedParts {
			got = append(got, p.PartNumber)
			if p.Size != len(strconv.Itoa(p.PartNumber)) {
				t.Fatalf("part %d size %d", p.PartNumber, p.Size)
			}
		}
		if !res.IsTruncated {
			break
		}
		marker = res.NextPartNumberMarker
	}
	if fmt.Sprint(got) != fmt.Sprint(numbers) {
		t.Fatalf("paged parts %v, want %v", got, numbers)
	}
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// TestMultipartListUploads: prefix, delimiter and key/upload-ID markers.
func TestMultipartListUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	keys := []string{"a/1", "a/2", "a/2", "a/sub/3", "a b/x", "b/1", "c", "c", "ü/+%"}
	for _, k := range keys {
		if _, err := b.InitiateMultipartUpload(k); err != nil {
			t.Fatal(err)
		}
	}
	all := e.cloud.Uploads("bkt")
	if len(all) != len(keys) {
		t.Fatalf("Uploads: %d", len(all))
	}
	type upl struct{ key, id string }
	var want []upl
	for _, u := range all {
		want = append(want, upl{u.Key, u.UploadID})
	}

	for _, maxUploads := range []int{1, 2, 4, 1000} {
		t.Run(fmt.Sprintf("paged by %d", maxUploads), func(t *testing.T) {
			var got []upl
			keyMarker, idMarker := "", ""
			for page := 0; ; page++ {
				if page > len(keys) {
					t.Fatal("ListMultipartUploads does not terminate")
				}
				res, err := b.ListMultipartUploads(oss.MaxUploads(maxUploads), oss.KeyMarker(keyMarker), oss.UploadIDMarker(idMarker))
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range res.Uploads {
					got = append(got, upl{u.Key, u.UploadID})
					if u.Initiated.IsZero() {
						t.Fatalf("upload %q has no Initiated", u.Key)
					}
				}
				if !res.IsTruncated {
					break
				}
				keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("paged uploads\n got %q\nwant %q", got, want)
			}
		})
	}

	res, err := b.ListMultipartUploads(oss.Prefix("a/"))
	if err != nil || len(res.Uploads) != 4 || res.Prefix != "a/" {
		t.Fatalf("prefix a/: %+v %v", res, err)
	}
	for _, maxUploads := range []int{1, 2, 1000} {
		t.Run(fmt.Sprintf("delimiter paged by %d", maxUploads), func(t *testing.T) {
			var gotKeys, gotPrefixes []string
			keyMarker, idMarker := "", ""
			for page := 0; ; page++ {
				if page > len(keys) {
					t.Fatal("ListMultipartUploads does not terminate")
				}
				res, err := b.ListMultipartUploads(oss.Delimiter("/"), oss.MaxUploads(maxUploads), oss.KeyMarker(keyMarker), oss.UploadIDMarker(idMarker))
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range res.Uploads {
					gotKeys = append(gotKeys, u.Key)
				}
				gotPrefixes = append(gotPrefixes, res.CommonPrefixes...)
				if !res.IsTruncated {
					break
				}
				keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
			}
			if fmt.Sprint(gotKeys) != fmt.Sprint([]string{"c", "c"}) || fmt.Sprint(gotPrefixes) != fmt.Sprint([]string{"a b/", "a/", "b/", "ü/"}) {
				t.Fatalf("delimiter: keys %q prefixes %q", gotKeys, gotPrefixes)
			}
		})
	}
}

// TestMultipartAbort: an aborted upload is gone for every call.
func TestMultipartAbort(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	b := e.bucket(alice, "bkt")
	imur, _ := b.InitiateMultipartUpload("aborted key")
	data := content(72, 100<<10)
	p, err := b.UploadPart(imur, bytes.NewReader(data), int64(len(data)), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AbortMultipartUpload(imur); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	if ups := e.cloud.Uploads(""); len(ups) != 0 {
		t.Fatalf("Uploads after abort: %+v", ups)
	}
	cases := map[string]func() error{
		"UploadPart": func() error {
			_, err := b.UploadPart(imur, bytes.NewReader(data), int64(len(data)), 2)
			return err
		},
		"UploadPartCopy": func() error {
			e.seed("bkt", ossemu.ObjectSpec{Key: "src", Data: data})
			_, err := b.UploadPartCopy(imur, "bkt", "src", 0, 10, 2)
			return err
		},
		"ListUploadedParts": func() error { _, err := b.ListUploadedParts(imur); return err },
		"Complete":          func() error { _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p}); return err },
		"Abort again":       func() error { return b.AbortMultipartUpload(imur) },
	}
	for name, op := range cases {
		t.Run(name, func(t *testing.T) {
			wantServiceError(t, op(), http.StatusNotFound, "NoSuchUpload")
		})
	}
	e.absent("bkt", "aborted key")
	if lu, err := b.ListMultipartUploads(); err != nil || len(lu.Uploads) != 0 {
		t.Fatalf("ListMultipartUploads after abort: %+v %v", lu, err)
	}
}
