package ossemu_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// copyFixture seeds a source object with content headers, user metadata
// and tags.
func copyFixture(t *testing.T) (*env, []byte) {
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "src", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst-ia", Region: hz, Owner: alice, StorageClass: "IA"},
	)
	data := content(20, 333_333)
	e.seed("src", ossemu.ObjectSpec{
		Key: "dir/src obj+1~ü.bin", Data: data,
		Headers: map[string]string{"Content-Type": "text/plain", "Cache-Control": "no-store", "Content-Disposition": "inline"},
		Meta:    map[string]string{"origin": "seed", "n": "1"},
		Tags:    map[string]string{"t": "1"},
	})
	return e, data
}

const copySrcKey = "dir/src obj+1~ü.bin"

// TestCopyObject covers the directives and destination settings of
// CopyObject; every copy is byte-exact and keeps the source's ETag and CRC.
func TestCopyObject(t *testing.T) {
	t.Parallel()
	e, data := copyFixture(t)
	src := e.bucket(alice, "src")
	srcETag := etagOf(data)
	srcCRC := strconv.FormatUint(crcOf(data), 10)

	cases := []struct {
		name      string
		dstBucket string
		dstKey    string
		opts      []oss.Option
		// expectations on the destination
		ctype, cacheControl string
		meta                map[string]string
		tags                map[string]string
		class, acl          string
	}{
		{
			name: "default directives copy everything", dstBucket: "dst", dstKey: "copy/default",
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "Standard", acl: "default",
		},
		{
			name: "explicit COPY ignores sent metadata", dstBucket: "dst", dstKey: "copy/explicit copy",
			opts:  []oss.Option{oss.MetadataDirective(oss.MetaCopy), oss.Meta("ignored", "x"), oss.ContentType("image/png")},
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "Standard", acl: "default",
		},
		{
			name: "REPLACE metadata", dstBucket: "dst", dstKey: "copy/replace+meta",
			opts:  []oss.Option{oss.MetadataDirective(oss.MetaReplace), oss.Meta("New", "2"), oss.ContentType("application/x-new")},
			ctype: "application/x-new", meta: map[string]string{"New": "2"},
			tags: map[string]string{"t": "1"}, class: "Standard", acl: "default",
		},
		{
			name: "REPLACE tagging", dstBucket: "dst", dstKey: "copy/replace-tags",
			opts:  []oss.Option{oss.TaggingDirective(oss.TaggingReplace), oss.SetTagging(oss.Tagging{Tags: []oss.Tag{{Key: "new tag", Value: "a&b"}}})},
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"new tag": "a&b"}, class: "Standard", acl: "default",
		},
		{
			name: "REPLACE tagging with none clears", dstBucket: "dst", dstKey: "copy/no-tags",
			opts:  []oss.Option{oss.TaggingDirective(oss.TaggingReplace)},
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{}, class: "Standard", acl: "default",
		},
		{
			name: "COPY tagging ignores sent tags", dstBucket: "dst", dstKey: "copy/copy-tags",
			opts:  []oss.Option{oss.TaggingDirective(oss.TaggingCopy), oss.SetTagging(oss.Tagging{Tags: []oss.Tag{{Key: "x", Value: "y"}}})},
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "Standard", acl: "default",
		},
		{
			name: "storage class change", dstBucket: "dst", dstKey: "copy/to-ia",
			opts:  []oss.Option{oss.ObjectStorageClass(oss.StorageIA)},
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "IA", acl: "default",
		},
		{
			// Difference from OSS (documented in objects.go): without
			// x-oss-storage-class the copy takes the destination bucket's class.
			name: "destination bucket class", dstBucket: "dst-ia", dstKey: "copy/bucket-class",
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "IA", acl: "default",
		},
		{
			name: "object ACL", dstBucket: "dst", dstKey: "copy/acl",
			opts:  []oss.Option{oss.ObjectACL(oss.ACLPublicRead)},
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "Standard", acl: "public-read",
		},
		{
			name: "same bucket, key needing escapes", dstBucket: "src", dstKey: "dst/ü ö+%25&=?#.bin",
			ctype: "text/plain", cacheControl: "no-store", meta: map[string]string{"Origin": "seed", "N": "1"},
			tags: map[string]string{"t": "1"}, class: "Standard", acl: "default",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var res oss.CopyObjectResult
			var err error
			var hdr http.Header
			opts := append(append([]oss.Option(nil), tc.opts...), oss.GetResponseHeader(&hdr))
			if tc.dstBucket == "src" {
				res, err = src.CopyObject(copySrcKey, tc.dstKey, opts...)
			} else {
				res, err = src.CopyObjectTo(tc.dstBucket, tc.dstKey, copySrcKey, opts...)
			}
			if err != nil {
				t.Fatalf("copy: %v", err)
			}
			if res.ETag != srcETag {
				t.Fatalf("CopyObjectResult ETag %s, want the source's %s", res.ETag, srcETag)
			}
			if res.LastModified.IsZero() {
				t.Fatal("CopyObjectResult has no LastModified")
			}
			dst := e.bucket(alice, tc.dstBucket)
			equalBytes(t, "copy", getBytes(t, dst, tc.dstKey), data)
			h, err := dst.GetObjectDetailedMeta(tc.dstKey)
			if err != nil {
				t.Fatal(err)
			}
			if h.Get("ETag") != srcETag || h.Get("X-Oss-Hash-Crc64ecma") != srcCRC {
				t.Fatalf("HEAD ETag %s CRC %s, want %s %s", h.Get("ETag"), h.Get("X-Oss-Hash-Crc64ecma"), srcETag, srcCRC)
			}
			if h.Get("Content-Type") != tc.ctype || h.Get("Cache-Control") != tc.cacheControl || h.Get("X-Oss-Storage-Class") != tc.class {
				t.Fatalf("HEAD type %q cache %q class %q", h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("X-Oss-Storage-Class"))
			}
			meta := map[string]string{}
			for k, v := range h {
				if name, ok := strings.CutPrefix(k, "X-Oss-Meta-"); ok {
					meta[name] = v[0]
				}
			}
			if !mapsEqual(meta, tc.meta) {
				t.Fatalf("meta %v, want %v", meta, tc.meta)
			}
			tg, err := dst.GetObjectTagging(tc.dstKey)
			if err != nil {
				t.Fatal(err)
			}
			tags := map[string]string{}
			for _, tag := range tg.Tags {
				tags[tag.Key] = tag.Value
			}
			if !mapsEqual(tags, tc.tags) {
				t.Fatalf("tags %v, want %v", tags, tc.tags)
			}
			if acl, err := dst.GetObjectACL(tc.dstKey); err != nil || acl.ACL != tc.acl {
				t.Fatalf("ACL %+v %v", acl, err)
			}
		})
	}
	// The source is untouched by all of it.
	equalBytes(t, "source", e.stored("src", copySrcKey), data)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestCopySetObjectMeta: SetObjectMeta is a self-copy with REPLACE; content,
// ETag and tags stay.
func TestCopySetObjectMeta(t *testing.T) {
	t.Parallel()
	e, data := copyFixture(t)
	b := e.bucket(alice, "src")
	if err := b.SetObjectMeta(copySrcKey, oss.Meta("Replaced", "yes"), oss.ContentType("text/csv")); err != nil {
		t.Fatalf("SetObjectMeta: %v", err)
	}
	h, err := b.GetObjectDetailedMeta(copySrcKey)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Oss-Meta-Replaced") != "yes" || h.Get("X-Oss-Meta-Origin") != "" || h.Get("Content-Type") != "text/csv" || h.Get("ETag") != etagOf(data) {
		t.Fatalf("after SetObjectMeta: %v", h)
	}
	if tg, err := b.GetObjectTagging(copySrcKey); err != nil || len(tg.Tags) != 1 {
		t.Fatalf("tags after SetObjectMeta: %+v %v", tg, err)
	}
	equalBytes(t, "after SetObjectMeta", getBytes(t, b, copySrcKey), data)
}

// TestCopyRefused: preconditions, frozen sources and bad sources.
func TestCopyRefused(t *testing.T) {
	t.Parallel()
	e, data := copyFixture(t)
	e.seed("src", ossemu.ObjectSpec{Key: "frozen", Data: data, StorageClass: "Archive"})
	src := e.bucket(alice, "src")
	lm := e.clock.Now().UTC().Truncate(time.Second)
	cases := []struct {
		name   string
		srcKey string
		opts   []oss.Option
		status int
		code   string
	}{
		{"if-match mismatch", copySrcKey, []oss.Option{oss.CopySourceIfMatch(`"00000000000000000000000000000000"`)}, 412, "PreconditionFailed"},
		{"if-unmodified-since earlier", copySrcKey, []oss.Option{oss.CopySourceIfUnmodifiedSince(lm.Add(-time.Hour))}, 412, "PreconditionFailed"},
		{"frozen archive source", "frozen", nil, 403, "InvalidObjectState"},
		{"missing source", "nope", nil, 404, "NoSuchKey"},
		{"bad storage class", copySrcKey, []oss.Option{oss.ObjectStorageClass("Tape")}, 400, "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := src.CopyObjectTo("dst", "out", tc.srcKey, tc.opts...)
			wantServiceError(t, err, tc.status, tc.code)
			e.absent("dst", "out")
		})
	}
	if _, err := src.CopyObjectTo("dst", "ok", copySrcKey, oss.CopySourceIfMatch(etagOf(data)), oss.CopySourceIfUnmodifiedSince(lm.Add(time.Hour))); err != nil {
		t.Fatalf("copy with holding preconditions: %v", err)
	}
	_, err := e.bucketOn(alice, hz, "no-such-src").CopyObjectTo("dst", "out", "k")
	wantServiceError(t, err, http.StatusNotFound, "NoSuchBucket")
}

// TestCopyMultipartSource: copying a multipart object keeps its "-N" ETag
// and CRC.
func TestCopyMultipartSource(t *testing.T) {
	t.Parallel()
	e, _ := copyFixture(t)
	b := e.bucket(alice, "src")
	data := content(21, 250_000)
	imur, err := b.InitiateMultipartUpload("mp")
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := b.UploadPart(imur, bytes.NewReader(data[:150_000]), 150_000, 1)
	p2, _ := b.UploadPart(imur, bytes.NewReader(data[150_000:]), 100_000, 2)
	cres, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, p2})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.CopyObjectTo("dst", "mp-copy", "mp")
	if err != nil || res.ETag != cres.ETag || !strings.HasSuffix(res.ETag, `-2"`) {
		t.Fatalf("copy of multipart object: %+v (complete %s) %v", res, cres.ETag, err)
	}
	dst := e.bucket(alice, "dst")
	equalBytes(t, "multipart copy", getBytes(t, dst, "mp-copy"), data)
	if crc := headCRC(t, dst, "mp-copy"); crc != crcOf(data) {
		t.Fatalf("CRC %d, want %d", crc, crcOf(data))
	}
	if h, _ := dst.GetObjectDetailedMeta("mp-copy"); h.Get("X-Oss-Object-Type") != "Multipart" {
		t.Fatalf("object type %q", h.Get("X-Oss-Object-Type"))
	}
}

// TestCopySizeLimits checks OSS's CopyObject limits (1 GB with a class
// change, 5 GB between buckets, none within a bucket) without the RAM: the
// big objects are seeded straight into the backend as one 1 MiB blob
// repeated, which the memory backend joins without copying. Their ETag and
// CRC are stand-ins; the test never reads the bytes.
func TestCopySizeLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "src", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst", Region: hz, Owner: alice},
	)
	be := e.cloud.Backend()
	mib, err := be.NewBlob(bytes.NewReader(make([]byte, 1<<20)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	owner, _ := e.cloud.Account(alice)
	seedBig := func(key string, mibs int) {
		ranges := make([]ossemu.BlobRange, mibs)
		for i := range ranges {
			ranges[i] = ossemu.BlobRange{Blob: mib, Length: 1 << 20}
		}
		blob, err := be.JoinBlobs(ranges)
		if err != nil {
			t.Fatal(err)
		}
		err = be.PutObject("src", ossemu.ObjectRecord{
			Key: key, Blob: blob, Size: blob.Size(), ETag: "0123456789ABCDEF0123456789ABCDEF", CRC64: 42,
			LastModified: e.clock.Now().UTC().Truncate(time.Second), Type: "Normal", StorageClass: "Standard",
			ACL: "default", Owner: owner.ID, Headers: map[string]string{"Content-Type": "application/octet-stream"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seedBig("1g+1m", 1025)
	seedBig("5g+1m", 5*1024+1)
	src := e.bucket(alice, "src")
	cases := []struct {
		name      string
		key       string
		dstBucket string
		opts      []oss.Option
		ok        bool
	}{
		{"1 GiB+ class change", "1g+1m", "src", []oss.Option{oss.ObjectStorageClass(oss.StorageIA)}, false},
		{"1 GiB+ same class, other bucket", "1g+1m", "dst", nil, true},
		{"5 GiB+ other bucket", "5g+1m", "dst", nil, false},
		{"5 GiB+ same bucket", "5g+1m", "src", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dstKey := "copy-of-" + tc.key
			_, err := src.CopyObjectTo(tc.dstBucket, dstKey, tc.key, tc.opts...)
			if !tc.ok {
				wantServiceError(t, err, http.StatusBadRequest, "EntityTooLarge")
				e.absent(tc.dstBucket, dstKey)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h, err := e.bucket(alice, tc.dstBucket).GetObjectDetailedMeta(dstKey)
			if err != nil {
				t.Fatal(err)
			}
			srcRec, _ := be.GetObject("src", tc.key)
			if h.Get("Content-Length") != strconv.FormatInt(srcRec.Size, 10) || h.Get("X-Oss-Hash-Crc64ecma") != "42" {
				t.Fatalf("copy HEAD %v", h)
			}
		})
	}
	// UploadPartCopy takes any range up to 5 GiB out of the big source.
	imur, err := src.InitiateMultipartUpload("parts")
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.UploadPartCopy(imur, "src", "5g+1m", 0, 5<<30+1, 1)
	wantServiceError(t, err, http.StatusBadRequest, "EntityTooLarge")
	_ = src.AbortMultipartUpload(imur)
}
