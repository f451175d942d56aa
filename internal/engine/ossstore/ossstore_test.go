package ossstore_test

// The adapter is driven against the in-process OSS emulator through the
// unmodified SDK. Request counts come from the emulator; what went on the
// wire (Content-Length, Accept-Encoding, Range, Authorization) from a
// recording proxy in front of it.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

const (
	hz = "cn-hangzhou"
	sh = "cn-shanghai"

	alice = "alice" // owns every bucket but bob's
	bob   = "bob"
	carol = "carol" // an STS identity

	stsToken = "CAIS-test-sts-token"

	partSize = 100 << 10 // the emulator's (and OSS's) smallest non-last part
)

var accounts = []ossemu.Account{
	{Name: alice, AccessKeyID: "LTAIalice000000000001", AccessKeySecret: "alice-secret-do-not-leak"},
	{Name: bob, AccessKeyID: "LTAIbob00000000000002", AccessKeySecret: "bob-secret-do-not-leak"},
	{Name: carol, AccessKeyID: "STS.carol0000000003", AccessKeySecret: "carol-secret-do-not-leak", SecurityToken: stsToken},
}

// Buckets of the fixture.
const (
	srcBkt    = "src"     // alice, hz
	dstBkt    = "dst"     // alice, hz
	bobBkt    = "bob-bkt" // bob, hz
	farBkt    = "far"     // alice, sh
	publicBkt = "public"  // alice, hz, public-read
)

// signers are the signature versions every behaviour is checked with.
var signers = []string{"v1", "v4"}

// trickyKeys are keys that break naive escaping or signing.
var trickyKeys = []string{
	"plain.txt",
	"dir/a b+c~é?.txt",
	"100% done/50%25 off&x=y#frag",
	"plus+plus and space",
	"line\nbreak\ttab",
	"日本語/ファイル名.bin",
	"emoji 🎉/../dots//double",
}

type fixture struct {
	cloud *ossemu.Cloud
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := ossemu.StartForTest(t, ossemu.Config{Regions: []string{hz, sh}, Accounts: accounts},
		ossemu.BucketSpec{Name: srcBkt, Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: dstBkt, Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: bobBkt, Region: hz, Owner: bob},
		ossemu.BucketSpec{Name: farBkt, Region: sh, Owner: alice},
		ossemu.BucketSpec{Name: publicBkt, Region: hz, Owner: alice, ACL: "public-read"},
	)
	return &fixture{cloud: c}
}

func creds(t testing.TB, name string) storage.Credentials {
	t.Helper()
	for _, a := range accounts {
		if a.Name == name {
			return storage.Credentials{AccessKeyID: a.AccessKeyID, AccessKeySecret: a.AccessKeySecret, SecurityToken: a.SecurityToken}
		}
	}
	t.Fatalf("no account %q", name)
	return storage.Credentials{}
}

// endpoint addresses bucket on region's emulated endpoint.
func (f *fixture) endpoint(t testing.TB, account, bucket, region, sign string) storage.Endpoint {
	t.Helper()
	return storage.Endpoint{Region: region, Endpoint: f.cloud.Endpoint(region), Bucket: bucket, Credentials: creds(t, account), SignVersion: sign}
}

func (f *fixture) open(t testing.TB, account, bucket, region, sign string) storage.Bucket {
	t.Helper()
	return mustOpen(t, f.endpoint(t, account, bucket, region, sign))
}

func mustOpen(t testing.TB, ep storage.Endpoint) storage.Bucket {
	t.Helper()
	b, err := ossstore.Open(context.Background(), ep)
	if err != nil {
		t.Fatalf("Open %s: %v", ep.Bucket, err)
	}
	return b
}

func (f *fixture) seed(t testing.TB, bucket string, specs ...ossemu.ObjectSpec) {
	t.Helper()
	for _, s := range specs {
		if err := f.cloud.PutObject(bucket, s); err != nil {
			t.Fatalf("seed %s/%q: %v", bucket, s.Key, err)
		}
	}
}

func (f *fixture) stored(t testing.TB, bucket, key string) []byte {
	t.Helper()
	_, data, err := f.cloud.Object(bucket, key)
	if err != nil {
		t.Fatalf("stored %s/%q: %v", bucket, key, err)
	}
	return data
}

// requests asserts the emulator's request counts for the named operations
// since the last ResetStats; operations not named must not have been called.
func (f *fixture) requests(t testing.TB, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for op, s := range f.cloud.Stats() {
		if s.Requests > 0 {
			got[op] = s.Requests
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
	f.cloud.ResetStats()
}

// recorder is a reverse proxy in front of one emulated region that records
// the requests it forwards.
type recorder struct {
	URL  string
	mu   sync.Mutex
	reqs []*http.Request
}

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

// take returns the requests recorded so far and forgets them.
func (r *recorder) take() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

func content(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func crcOf(b []byte) uint64 { return crc64ecma.Checksum(b) }

func md5Hex(b []byte) string { return fmt.Sprintf("%X", md5.Sum(b)) }

func readAll(t testing.TB, rc io.ReadCloser) []byte {
	t.Helper()
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return data
}

func equalBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes (md5 %s), want %d bytes (md5 %s)", what, len(got), md5Hex(got), len(want), md5Hex(want))
	}
}

// storeError asserts that err is a *storage.Error with op, status and code.
func storeError(t testing.TB, err error, op string, status int, code string) *storage.Error {
	t.Helper()
	var se *storage.Error
	if !errors.As(err, &se) {
		t.Fatalf("want *storage.Error %d %s, got %T: %v", status, code, err, err)
	}
	if se.Op != op || se.StatusCode != status || se.Code != code {
		t.Fatalf("want %s %d %s, got %s %d %s (%v)", op, status, code, se.Op, se.StatusCode, se.Code, err)
	}
	if se.RequestID == "" || se.Message == "" {
		t.Fatalf("error without request ID or message: %+v", se)
	}
	return se
}

// wantStoreError is storeError for callers that need only the check.
func wantStoreError(t testing.TB, err error, op string, status int, code string) {
	t.Helper()
	_ = storeError(t, err, op, status, code)
}

// fullMeta exercises every metadata field the engine preserves.
func fullMeta() storage.Metadata {
	return storage.Metadata{
		ContentType:        "text/x-test; charset=utf-8",
		ContentEncoding:    "x-custom",
		ContentDisposition: `attachment; filename="a b.txt"`,
		CacheControl:       "max-age=60, no-transform",
		Expires:            "Wed, 21 Oct 2037 07:28:00 GMT",
		ContentLanguage:    "de-CH",
		User:               map[string]string{"author": "alice", "mixed-case": "Value With Spaces & Symbols=+/"},
		Tags:               map[string]string{"team name": "a+b & c=d", "ключ": "значение", "empty": ""},
		StorageClass:       "IA",
	}
}

// checkMeta compares what HEAD/GET reported with what was written; Tags
// are read separately, HEAD only counts them.
func checkMeta(t testing.TB, got, want storage.Metadata) {
	t.Helper()
	wantUser := map[string]string{}
	for k, v := range want.User {
		wantUser[strings.ToLower(k)] = v
	}
	g, w := got, want
	g.User, g.Tags, w.User, w.Tags = nil, nil, nil, nil
	w.TagCount = len(want.Tags)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("metadata\n got %+v\nwant %+v", g, w)
	}
	if !maps.Equal(got.User, wantUser) {
		t.Errorf("user metadata %v, want %v", got.User, wantUser)
	}
}

// TestRoundTrip writes, describes, reads, lists and copies objects with
// awkward keys under both signature versions, byte for byte, with the
// metadata and tags intact and one request per call.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, sign := range signers {
		src := f.open(t, alice, srcBkt, hz, sign)
		dst := f.open(t, alice, dstBkt, hz, sign)
		if src.Name() != srcBkt || src.Region() != hz {
			t.Fatalf("Name/Region %q %q", src.Name(), src.Region())
		}
		for i, key := range trickyKeys {
			t.Run(sign+"/"+key, func(t *testing.T) {
				key := sign + "/" + key
				data := content(uint64(i), 1000+i*37)
				meta := fullMeta()
				f.cloud.ResetStats()

				res, err := src.Put(ctx, key, bytes.NewReader(data), int64(len(data)), meta)
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				if res.ETag != md5Hex(data) || !res.HasCRC64 || res.CRC64 != crcOf(data) {
					t.Fatalf("Put result %+v, want ETag %s CRC %d", res, md5Hex(data), crcOf(data))
				}
				equalBytes(t, "stored", f.stored(t, srcBkt, key), data)
				f.requests(t, map[string]int64{"PutObject": 1})

				head, err := src.Head(ctx, key)
				if err != nil {
					t.Fatalf("Head: %v", err)
				}
				if head.Key != key || head.Size != int64(len(data)) || head.ETag != res.ETag || head.StorageClass != "IA" ||
					!head.HasCRC64 || head.CRC64 != crcOf(data) || head.LastModified.IsZero() {
					t.Fatalf("Head %+v", head)
				}
				checkMeta(t, head.Metadata, meta)
				tags, err := src.Tags(ctx, key)
				if err != nil || !maps.Equal(tags, meta.Tags) {
					t.Fatalf("Tags %v, %v; want %v", tags, err, meta.Tags)
				}
				f.requests(t, map[string]int64{"HeadObject": 1, "GetObjectTagging": 1})

				body, info, err := src.Get(ctx, key, 0, -1, "")
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				equalBytes(t, "Get", readAll(t, body), data)
				if !infoEqual(info, head) {
					t.Fatalf("Get info\n %+v\nHead\n %+v", info, head)
				}
				body, info, err = src.Get(ctx, key, 17, 100, head.ETag)
				if err != nil {
					t.Fatalf("ranged Get: %v", err)
				}
				equalBytes(t, "ranged Get", readAll(t, body), data[17:117])
				if !infoEqual(info, head) {
					t.Fatalf("ranged Get describes the range, not the object: %+v", info)
				}
				body, _, err = src.Get(ctx, key, 900, -1, "")
				if err != nil {
					t.Fatalf("Get to end: %v", err)
				}
				equalBytes(t, "Get to end", readAll(t, body), data[900:])
				f.requests(t, map[string]int64{"GetObject": 3})

				page, err := src.List(ctx, storage.ListOptions{Prefix: key})
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				want := storage.Object{Key: key, Size: int64(len(data)), ETag: res.ETag, LastModified: head.LastModified, StorageClass: "IA"}
				if len(page.Objects) != 1 || !objectEqual(page.Objects[0], want) || page.NextToken != "" {
					t.Fatalf("List %+v, want %+v", page, want)
				}
				f.requests(t, map[string]int64{"ListObjectsV2": 1})

				cres, err := dst.Copy(ctx, srcBkt, key, key+" copy", "")
				if err != nil {
					t.Fatalf("Copy: %v", err)
				}
				if cres.ETag != res.ETag || !cres.HasCRC64 || cres.CRC64 != res.CRC64 {
					t.Fatalf("Copy result %+v, want %+v", cres, res)
				}
				equalBytes(t, "copied", f.stored(t, dstBkt, key+" copy"), data)
				f.requests(t, map[string]int64{"CopyObject": 1})
				chead, err := dst.Head(ctx, key+" copy")
				if err != nil {
					t.Fatal(err)
				}
				// "" keeps the destination bucket's default class (Standard).
				wantMeta := meta
				wantMeta.StorageClass = "Standard"
				checkMeta(t, chead.Metadata, wantMeta)
				if ctags, err := dst.Tags(ctx, key+" copy"); err != nil || !maps.Equal(ctags, meta.Tags) {
					t.Fatalf("copied tags %v, %v; want %v", ctags, err, meta.Tags)
				}
				f.cloud.ResetStats()
			})
		}
	}
}

func objectEqual(a, b storage.Object) bool {
	return a.Key == b.Key && a.Size == b.Size && a.ETag == b.ETag && a.LastModified.Equal(b.LastModified) && a.StorageClass == b.StorageClass
}

func infoEqual(a, b storage.ObjectInfo) bool {
	return objectEqual(a.Object, b.Object) && a.CRC64 == b.CRC64 && a.HasCRC64 == b.HasCRC64 &&
		reflect.DeepEqual(a.Metadata, b.Metadata)
}

// TestCopyStorageClass: Copy sets the class it is given and keeps the
// source's metadata and tags (OSS's default directive, COPY) even when the
// class changes.
func TestCopyStorageClass(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "k", Data: []byte("hello"), Meta: map[string]string{"a": "1"}, Tags: map[string]string{"t": "v"}})
	dst := f.open(t, alice, dstBkt, hz, "v4")
	if _, err := dst.Copy(ctx, srcBkt, "k", "k", "Archive"); err != nil {
		t.Fatal(err)
	}
	info, err := dst.Head(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if info.StorageClass != "Archive" || info.Metadata.StorageClass != "Archive" || info.Metadata.User["a"] != "1" || info.Metadata.TagCount != 1 {
		t.Fatalf("Head after copy %+v", info)
	}
}

// TestEmptyObject: zero bytes go up with Content-Length 0 and come back.
func TestEmptyObject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.open(t, alice, srcBkt, hz, "v4")
	res, err := b.Put(ctx, "empty", strings.NewReader(""), 0, storage.Metadata{})
	if err != nil || !res.HasCRC64 || res.CRC64 != 0 || res.ETag != md5Hex(nil) {
		t.Fatalf("Put: %+v %v", res, err)
	}
	body, info, err := b.Get(ctx, "empty", 0, -1, "")
	if err != nil || info.Size != 0 || len(readAll(t, body)) != 0 {
		t.Fatalf("Get: %+v %v", info, err)
	}
	// A zero-length read is a HEAD.
	f.cloud.ResetStats()
	body, info, err = b.Get(ctx, "empty", 0, 0, "")
	if err != nil || info.Size != 0 || info.ETag != res.ETag || len(readAll(t, body)) != 0 {
		t.Fatalf("Get 0 bytes: %+v %v", info, err)
	}
	f.requests(t, map[string]int64{"HeadObject": 1})
}

// TestWire checks what the adapter puts on the wire: an exact
// Content-Length (never chunked) for Put and UploadPart whatever the reader,
// Accept-Encoding: identity and the exact Range on GETs.
func TestWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rec := newRecorder(t, f.cloud.Endpoint(hz))
	ep := f.endpoint(t, alice, srcBkt, hz, "v4")
	ep.Endpoint = rec.URL
	b := mustOpen(t, ep)
	data := content(7, 3*partSize)

	// A pipe has no length the SDK could find; the adapter supplies it.
	// The reader holds more than size: exactly size bytes must go.
	pr, pw := io.Pipe()
	go func() { _, _ = pw.Write(append(data, "trailing junk"...)); _ = pw.Close() }()
	if _, err := b.Put(ctx, "piped", pr, int64(len(data)), storage.Metadata{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	equalBytes(t, "stored", f.stored(t, srcBkt, "piped"), data)
	reqs := rec.take()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPut || reqs[0].ContentLength != int64(len(data)) || len(reqs[0].TransferEncoding) != 0 {
		t.Fatalf("Put sent %d requests; first: %s CL=%d TE=%v", len(reqs), reqs[0].Method, reqs[0].ContentLength, reqs[0].TransferEncoding)
	}

	id, err := b.InitMultipart(ctx, "mp", storage.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	_ = rec.take()
	if _, err := b.UploadPart(ctx, "mp", id, 1, io.MultiReader(bytes.NewReader(data)), partSize); err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	reqs = rec.take()
	if len(reqs) != 1 || reqs[0].ContentLength != partSize || len(reqs[0].TransferEncoding) != 0 {
		t.Fatalf("UploadPart sent CL=%d TE=%v", reqs[0].ContentLength, reqs[0].TransferEncoding)
	}

	if _, err := b.Copy(ctx, srcBkt, "piped", "a copy/é+%", "IA"); err != nil {
		t.Fatal(err)
	}
	reqs = rec.take()
	if len(reqs) != 1 {
		t.Fatalf("Copy sent %d requests", len(reqs))
	}
	// No directives: COPY is OSS's default for metadata and tags.
	if h := reqs[0].Header; h.Get("X-Oss-Copy-Source") != "/src/piped" || h.Get("X-Oss-Metadata-Directive") != "" ||
		h.Get("X-Oss-Tagging-Directive") != "" || h.Get("X-Oss-Storage-Class") != "IA" {
		t.Fatalf("Copy sent headers %v", h)
	}
	if _, err := b.Copy(ctx, srcBkt, "piped", "another copy", ""); err != nil {
		t.Fatal(err)
	}
	if h := rec.take()[0].Header; h.Get("X-Oss-Storage-Class") != "" {
		t.Fatalf("Copy without a class sent x-oss-storage-class %q", h.Get("X-Oss-Storage-Class"))
	}

	for _, tc := range []struct {
		offset, length int64
		wantRange      string
	}{
		{0, -1, ""},
		{5, -1, "bytes=5-"},
		{0, 10, "bytes=0-9"},
		{100, 1, "bytes=100-100"},
	} {
		body, _, err := b.Get(ctx, "piped", tc.offset, tc.length, "")
		if err != nil {
			t.Fatalf("Get %d+%d: %v", tc.offset, tc.length, err)
		}
		_ = readAll(t, body)
		reqs := rec.take()
		if len(reqs) != 1 {
			t.Fatalf("Get sent %d requests", len(reqs))
		}
		h := reqs[0].Header
		if h.Get("Accept-Encoding") != "identity" || h.Get("Range") != tc.wantRange {
			t.Fatalf("Get %d+%d sent Accept-Encoding %q Range %q", tc.offset, tc.length, h.Get("Accept-Encoding"), h.Get("Range"))
		}
		if tc.wantRange != "" && h.Get("X-Oss-Range-Behavior") != "standard" {
			t.Fatalf("ranged Get without x-oss-range-behavior: standard")
		}
	}
}

// TestGzipEncodedObject: an object stored with Content-Encoding: gzip comes
// back as the stored (compressed) bytes, whole or ranged; the plain SDK
// would hand back decompressed bytes.
func TestGzipEncodedObject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	_, _ = zw.Write(bytes.Repeat([]byte("compressible text "), 500))
	_ = zw.Close()
	gz := zbuf.Bytes()
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "seeded.txt.gz", Data: gz, Headers: map[string]string{"Content-Encoding": "gzip", "Content-Type": "text/plain"}})

	// The hazard this guards against: Go's transport gunzips for the SDK.
	raw, err := f.cloud.MustBucket(t, alice, srcBkt).GetObject("seeded.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readAll(t, raw), gz) {
		t.Fatal("the plain SDK returned raw bytes: this test no longer proves anything")
	}

	for _, sign := range signers {
		b := f.open(t, alice, srcBkt, hz, sign)
		if _, err := b.Put(ctx, "put.gz", bytes.NewReader(gz), int64(len(gz)), storage.Metadata{ContentEncoding: "gzip"}); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"seeded.txt.gz", "put.gz"} {
			body, info, err := b.Get(ctx, key, 0, -1, "")
			if err != nil {
				t.Fatal(err)
			}
			equalBytes(t, sign+" "+key, readAll(t, body), gz)
			if info.Metadata.ContentEncoding != "gzip" || info.Size != int64(len(gz)) || info.CRC64 != crcOf(gz) {
				t.Fatalf("%s info %+v", key, info)
			}
			body, _, err = b.Get(ctx, key, 3, 20, "")
			if err != nil {
				t.Fatal(err)
			}
			equalBytes(t, sign+" ranged "+key, readAll(t, body), gz[3:23])
		}
	}
}

// TestGetRanges: ranges past the end are clipped, ranges starting past it
// fail with 416 instead of returning the whole object.
func TestGetRanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := content(3, 1000)
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "k", Data: data})
	b := f.open(t, alice, srcBkt, hz, "v4")
	body, info, err := b.Get(ctx, "k", 990, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	equalBytes(t, "clipped", readAll(t, body), data[990:])
	if info.Size != 1000 || info.CRC64 != crcOf(data) {
		t.Fatalf("info %+v", info)
	}
	for _, tc := range []struct{ offset, length int64 }{{1000, 10}, {1000, -1}, {5000, 1}} {
		_, _, err = b.Get(ctx, "k", tc.offset, tc.length, "")
		wantStoreError(t, err, "Get", http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
	}
	if _, _, err := b.Get(ctx, "k", 1001, 0, ""); err == nil {
		t.Fatal("zero-length Get past the end succeeded")
	}
	if _, _, err := b.Get(ctx, "k", -1, 1, ""); err == nil {
		t.Fatal("negative offset accepted")
	}
}

// TestList pages through keys in byte order with continuation tokens,
// StartAfter and a delimiter; MaxKeys 0 asks for 1000.
func TestList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var keys []string
	for i := range 25 {
		keys = append(keys, fmt.Sprintf("p/%02d", i))
	}
	keys = append(keys, trickyKeys...)
	keys = append(keys, "p/sub/x", "p/sub/y", "p/z+ %")
	for _, k := range keys {
		f.seed(t, srcBkt, ossemu.ObjectSpec{Key: k, Data: []byte(k)})
	}
	slices.Sort(keys)
	for _, sign := range signers {
		b := f.open(t, alice, srcBkt, hz, sign)
		f.cloud.ResetStats()
		var got []string
		opts := storage.ListOptions{MaxKeys: 7}
		pages := 0
		for {
			page, err := b.List(ctx, opts)
			if err != nil {
				t.Fatalf("%s List: %v", sign, err)
			}
			pages++
			if len(page.Objects) > 7 {
				t.Fatalf("page of %d objects", len(page.Objects))
			}
			for _, o := range page.Objects {
				got = append(got, o.Key)
				if o.Size != int64(len(o.Key)) || o.ETag != md5Hex([]byte(o.Key)) {
					t.Fatalf("object %+v", o)
				}
			}
			if page.NextToken == "" {
				break
			}
			opts.ContinuationToken = page.NextToken
		}
		if !slices.Equal(got, keys) {
			t.Fatalf("%s listed\n%q\nwant\n%q", sign, got, keys)
		}
		f.requests(t, map[string]int64{"ListObjectsV2": int64(pages)})
		if want := (len(keys) + 6) / 7; pages != want {
			t.Fatalf("%d pages, want %d", pages, want)
		}

		page, err := b.List(ctx, storage.ListOptions{Prefix: "p/", StartAfter: "p/20", Delimiter: "/"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range page.Objects {
			names = append(names, o.Key)
		}
		if want := []string{"p/21", "p/22", "p/23", "p/24", "p/z+ %"}; !slices.Equal(names, want) || !slices.Equal(page.CommonPrefixes, []string{"p/sub/"}) || page.NextToken != "" {
			t.Fatalf("delimited listing %q %q %q", names, page.CommonPrefixes, page.NextToken)
		}
	}

	for i := range 1001 {
		f.seed(t, dstBkt, ossemu.ObjectSpec{Key: fmt.Sprintf("k%04d", i)})
	}
	page, err := f.open(t, alice, dstBkt, hz, "v4").List(ctx, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1000 || page.NextToken == "" {
		t.Fatalf("default page: %d objects, token %q", len(page.Objects), page.NextToken)
	}
}

// TestMultipart assembles an object from uploaded and server-copied parts
// and checks content, CRCs, metadata and the request sequence.
func TestMultipart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	srcData := content(11, 3*partSize)
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "big source", Data: srcData})
	for _, sign := range signers {
		for _, key := range []string{"mp/" + sign, "mp/" + sign + "/" + trickyKeys[2], "mp/" + sign + "/" + trickyKeys[4]} {
			t.Run(key, func(t *testing.T) {
				b := f.open(t, alice, dstBkt, hz, sign)
				meta := fullMeta()
				f.cloud.ResetStats()
				id, err := b.InitMultipart(ctx, key, meta)
				if err != nil {
					t.Fatalf("InitMultipart: %v", err)
				}
				p1 := content(12, partSize+1)
				p3 := []byte("the short last part")
				part1, err := b.UploadPart(ctx, key, id, 1, bytes.NewReader(p1), int64(len(p1)))
				if err != nil {
					t.Fatalf("UploadPart 1: %v", err)
				}
				part2, err := b.UploadPartCopy(ctx, key, id, 2, srcBkt, "big source", 1234, partSize+5)
				if err != nil {
					t.Fatalf("UploadPartCopy: %v", err)
				}
				part3, err := b.UploadPart(ctx, key, id, 3, bytes.NewReader(p3), int64(len(p3)))
				if err != nil {
					t.Fatalf("UploadPart 3: %v", err)
				}
				p2 := srcData[1234 : 1234+partSize+5]
				for _, c := range []struct {
					got  storage.Part
					n    int
					data []byte
				}{{part1, 1, p1}, {part2, 2, p2}, {part3, 3, p3}} {
					if c.got.Number != c.n || c.got.ETag != md5Hex(c.data) || c.got.Size != int64(len(c.data)) || !c.got.HasCRC64 || c.got.CRC64 != crcOf(c.data) {
						t.Fatalf("part %d: %+v, want ETag %s CRC %d", c.n, c.got, md5Hex(c.data), crcOf(c.data))
					}
				}
				res, err := b.CompleteMultipart(ctx, key, id, []storage.Part{part1, part2, part3})
				if err != nil {
					t.Fatalf("CompleteMultipart: %v", err)
				}
				whole := slices.Concat(p1, p2, p3)
				if res.ETag == "" || strings.Contains(res.ETag, `"`) || !res.HasCRC64 || res.CRC64 != crcOf(whole) {
					t.Fatalf("Complete result %+v, want CRC %d", res, crcOf(whole))
				}
				equalBytes(t, "assembled", f.stored(t, dstBkt, key), whole)
				f.requests(t, map[string]int64{"InitiateMultipartUpload": 1, "UploadPart": 2, "UploadPartCopy": 1, "CompleteMultipartUpload": 1})

				head, err := b.Head(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if head.ETag != res.ETag || head.CRC64 != res.CRC64 || head.Size != int64(len(whole)) {
					t.Fatalf("Head %+v vs Complete %+v", head, res)
				}
				checkMeta(t, head.Metadata, meta)
				if tags, err := b.Tags(ctx, key); err != nil || !maps.Equal(tags, meta.Tags) {
					t.Fatalf("tags %v %v", tags, err)
				}
			})
		}
	}
}

// TestAbortMultipart: an aborted upload is gone; completing it is NoSuchUpload.
func TestAbortMultipart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, sign := range signers {
		b := f.open(t, alice, dstBkt, hz, sign)
		key := "aborted " + sign + "/é+%"
		id, err := b.InitMultipart(ctx, key, storage.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.UploadPart(ctx, key, id, 1, strings.NewReader("part"), 4)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.AbortMultipart(ctx, key, id); err != nil {
			t.Fatalf("Abort: %v", err)
		}
		if ups := f.cloud.Uploads(dstBkt); len(ups) != 0 {
			t.Fatalf("uploads left: %+v", ups)
		}
		_, err = b.CompleteMultipart(ctx, key, id, []storage.Part{p})
		wantStoreError(t, err, "CompleteMultipart", http.StatusNotFound, "NoSuchUpload")
		err = b.AbortMultipart(ctx, key, id)
		wantStoreError(t, err, "AbortMultipart", http.StatusNotFound, "NoSuchUpload")
	}
}

// TestErrors maps OSS's answers to *storage.Error with the operation, the
// bucket and key, the status, the code and the request ID.
func TestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "exists", Data: []byte("data")})
	for _, sign := range signers {
		t.Run(sign, func(t *testing.T) {
			src := f.open(t, alice, srcBkt, hz, sign)
			get := func(b storage.Bucket, key string) error {
				rc, _, err := b.Get(ctx, key, 0, -1, "")
				if err == nil {
					_ = rc.Close()
				}
				return err
			}

			t.Run("NoSuchKey", func(t *testing.T) {
				_, err := src.Head(ctx, "missing key")
				se := storeError(t, err, "Head", http.StatusNotFound, "NoSuchKey")
				if se.Bucket != srcBkt || se.Key != "missing key" {
					t.Fatalf("error names %s/%s", se.Bucket, se.Key)
				}
				wantStoreError(t, get(src, "missing key"), "Get", http.StatusNotFound, "NoSuchKey")
				_, err = src.Tags(ctx, "missing key")
				wantStoreError(t, err, "Tags", http.StatusNotFound, "NoSuchKey")
				_, err = f.open(t, alice, dstBkt, hz, sign).Copy(ctx, srcBkt, "missing key", "k", "")
				wantStoreError(t, err, "Copy", http.StatusNotFound, "NoSuchKey")
				if !strings.Contains(err.Error(), "from src/missing key") {
					t.Fatalf("copy error does not name the source: %v", err)
				}
			})
			t.Run("PreconditionFailed", func(t *testing.T) {
				_, _, err := src.Get(ctx, "exists", 0, -1, "0123456789ABCDEF0123456789ABCDEF")
				wantStoreError(t, err, "Get", http.StatusPreconditionFailed, "PreconditionFailed")
			})
			t.Run("NoSuchBucket", func(t *testing.T) {
				b := f.open(t, alice, "no-such-bucket", hz, sign)
				_, err := b.List(ctx, storage.ListOptions{})
				wantStoreError(t, err, "List", http.StatusNotFound, "NoSuchBucket")
				_, err = b.Head(ctx, "k")
				wantStoreError(t, err, "Head", http.StatusNotFound, "NoSuchBucket")
				_, err = b.Put(ctx, "k", strings.NewReader("x"), 1, storage.Metadata{})
				wantStoreError(t, err, "Put", http.StatusNotFound, "NoSuchBucket")
			})
			t.Run("AccessDenied", func(t *testing.T) {
				asBob := f.open(t, bob, srcBkt, hz, sign)
				_, err := asBob.List(ctx, storage.ListOptions{})
				wantStoreError(t, err, "List", http.StatusForbidden, "AccessDenied")
				wantStoreError(t, get(asBob, "exists"), "Get", http.StatusForbidden, "AccessDenied")
				_, err = asBob.Put(ctx, "k", strings.NewReader("x"), 1, storage.Metadata{})
				wantStoreError(t, err, "Put", http.StatusForbidden, "AccessDenied")
				bobs := f.open(t, bob, bobBkt, hz, sign)
				_, err = bobs.Copy(ctx, srcBkt, "exists", "stolen", "")
				wantStoreError(t, err, "Copy", http.StatusForbidden, "AccessDenied")
			})
			t.Run("WrongRegion", func(t *testing.T) {
				// far lives in cn-shanghai; this handle speaks to cn-hangzhou.
				b := f.open(t, alice, farBkt, hz, sign)
				_, err := b.List(ctx, storage.ListOptions{})
				se := storeError(t, err, "List", http.StatusForbidden, "AccessDenied")
				if se.Endpoint != ossemu.PublicEndpoint(sh) {
					t.Fatalf("Endpoint %q, want %q", se.Endpoint, ossemu.PublicEndpoint(sh))
				}
				_, err = b.Head(ctx, "k")
				se = storeError(t, err, "Head", http.StatusForbidden, "AccessDenied")
				if se.Endpoint != ossemu.PublicEndpoint(sh) {
					t.Fatalf("HEAD Endpoint %q", se.Endpoint)
				}
			})
			t.Run("InvalidAccessKeyId", func(t *testing.T) {
				ep := f.endpoint(t, alice, srcBkt, hz, sign)
				ep.Credentials = storage.Credentials{AccessKeyID: "LTAInobody", AccessKeySecret: "whatever-secret"}
				_, err := mustOpen(t, ep).List(ctx, storage.ListOptions{})
				wantStoreError(t, err, "List", http.StatusForbidden, "InvalidAccessKeyId")
			})
			t.Run("SignatureDoesNotMatch", func(t *testing.T) {
				ep := f.endpoint(t, alice, srcBkt, hz, sign)
				ep.Credentials.AccessKeySecret = "wrong-secret-do-not-leak"
				b := mustOpen(t, ep)
				_, err := b.List(ctx, storage.ListOptions{})
				wantStoreError(t, err, "List", http.StatusForbidden, "SignatureDoesNotMatch")
				_, err = b.Put(ctx, "k", strings.NewReader("x"), 1, storage.Metadata{})
				wantStoreError(t, err, "Put", http.StatusForbidden, "SignatureDoesNotMatch")
				if strings.Contains(err.Error(), "do-not-leak") {
					t.Fatalf("error leaks the secret: %v", err)
				}
			})
			t.Run("SlowDown", func(t *testing.T) {
				id := f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "GetObject", Times: 1})
				defer f.cloud.RemoveFault(id)
				f.cloud.ResetStats()
				wantStoreError(t, get(src, "exists"), "Get", http.StatusServiceUnavailable, "SlowDown")
				f.requests(t, map[string]int64{"GetObject": 1}) // not retried
				f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "UploadPart", Status: 500, Times: 1})
				id2, err := src.InitMultipart(ctx, "k", storage.Metadata{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = src.UploadPart(ctx, "k", id2, 7, strings.NewReader("x"), 1)
				wantStoreError(t, err, "UploadPart", http.StatusInternalServerError, "InternalError")
				if !strings.Contains(err.Error(), "part 7") {
					t.Fatalf("UploadPart error does not name the part: %v", err)
				}
			})
		})
	}
}

// TestCRCMismatch: bytes damaged on the way in make Put and UploadPart fail
// with a *storage.CRCError whose numbers are the server's and ours.
func TestCRCMismatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := content(5, 4096)
	for _, sign := range signers {
		b := f.open(t, alice, srcBkt, hz, sign)
		f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "PutObject", Times: 1})
		_, err := b.Put(ctx, "corrupt", bytes.NewReader(data), int64(len(data)), storage.Metadata{})
		checkCRCError(t, err, crcOf(f.stored(t, srcBkt, "corrupt")), crcOf(data))

		id, err := b.InitMultipart(ctx, "corrupt-mp", storage.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "UploadPart", Times: 1})
		_, err = b.UploadPart(ctx, "corrupt-mp", id, 1, bytes.NewReader(data), int64(len(data)))
		var ce *storage.CRCError
		if !errors.As(err, &ce) || !errors.Is(err, storage.ErrCRCMismatch) || ce.Expected != crcOf(data) || ce.Got == ce.Expected {
			t.Fatalf("UploadPart: want CRCError, got %T %v", err, err)
		}
		if !strings.Contains(err.Error(), "part 1") {
			t.Fatalf("CRC error does not name the part: %v", err)
		}
	}
	if hits := f.cloud.FaultHits()[ossemu.FaultCorrupt]; hits != 2*len(signers) {
		t.Fatalf("corrupt fault hit %d times", hits)
	}
}

func checkCRCError(t testing.TB, err error, got, expected uint64) {
	t.Helper()
	var ce *storage.CRCError
	if !errors.As(err, &ce) || !errors.Is(err, storage.ErrCRCMismatch) {
		t.Fatalf("want *storage.CRCError, got %T: %v", err, err)
	}
	if ce.Got != got || ce.Expected != expected || got == expected {
		t.Fatalf("CRCError %+v, want got %d expected %d", ce, got, expected)
	}
}

// TestCancel: a cancelled context fails every method with context.Canceled
// before anything is sent; a context that ends mid-request aborts it.
func TestCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "k", Data: content(1, 16<<20)})
	for _, sign := range signers {
		b := f.open(t, alice, srcBkt, hz, sign)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f.cloud.ResetStats()
		calls := map[string]func() error{
			"List":  func() error { _, err := b.List(ctx, storage.ListOptions{}); return err },
			"Head":  func() error { _, err := b.Head(ctx, "k"); return err },
			"Tags":  func() error { _, err := b.Tags(ctx, "k"); return err },
			"Get":   func() error { _, _, err := b.Get(ctx, "k", 0, -1, ""); return err },
			"Get0":  func() error { _, _, err := b.Get(ctx, "k", 0, 0, ""); return err },
			"Put":   func() error { _, err := b.Put(ctx, "k2", strings.NewReader("x"), 1, storage.Metadata{}); return err },
			"Copy":  func() error { _, err := b.Copy(ctx, srcBkt, "k", "k3", ""); return err },
			"Init":  func() error { _, err := b.InitMultipart(ctx, "k", storage.Metadata{}); return err },
			"Part":  func() error { _, err := b.UploadPart(ctx, "k", "id", 1, strings.NewReader("x"), 1); return err },
			"PCopy": func() error { _, err := b.UploadPartCopy(ctx, "k", "id", 1, srcBkt, "k", 0, 1); return err },
			"Complete": func() error {
				_, err := b.CompleteMultipart(ctx, "k", "id", []storage.Part{{Number: 1, ETag: "E"}})
				return err
			},
			"Abort": func() error { return b.AbortMultipart(ctx, "k", "id") },
		}
		for name, call := range calls {
			if err := call(); !errors.Is(err, context.Canceled) {
				t.Errorf("%s %s: want context.Canceled, got %v", sign, name, err)
			}
		}
		f.requests(t, map[string]int64{})

		// Mid-request: the server stalls, the deadline ends the wait.
		id := f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultLatency, Op: "HeadObject", Latency: 30 * time.Second})
		ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		_, err := b.Head(ctx, "k")
		cancel()
		f.cloud.RemoveFault(id)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Fatalf("%s Head with deadline: %v after %v", sign, err, time.Since(start))
		}

		// Mid-body: cancelling stops the read.
		ctx, cancel = context.WithCancel(context.Background())
		body, _, err := b.Get(ctx, "k", 0, -1, "")
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		_, err = io.ReadAll(body)
		_ = body.Close()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s body read after cancel: %v", sign, err)
		}
	}
}

// TestNetworkErrors: resets and truncated bodies keep their network and io
// error types, and are not mistaken for answers from OSS.
func TestNetworkErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := content(9, 256<<10)
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "k", Data: data})
	b := f.open(t, alice, srcBkt, hz, "v4")
	// reset checks that err is a connection reset, still visible as such
	// through the wrapping, and not mistaken for an answer from OSS.
	reset := func(what string, err error, alsoOK ...error) {
		t.Helper()
		var se *storage.Error
		var oe *net.OpError
		if err == nil || errors.As(err, &se) || !errors.As(err, &oe) {
			t.Fatalf("%s: want a *net.OpError, got %T: %v", what, err, err)
		}
		for _, e := range append(alsoOK, syscall.ECONNRESET) {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("%s: want ECONNRESET, got %v", what, err)
	}

	f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultTruncate, Op: "GetObject", Times: 1})
	body, _, err := b.Get(ctx, "k", 0, -1, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(body)
	_ = body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated body: want io.ErrUnexpectedEOF, got %v", err)
	}

	// The reset comes after half of the body: Get succeeds, the read fails.
	f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: "GetObject", Times: 1})
	body, _, err = b.Get(ctx, "k", 0, 100<<10, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(body)
	_ = body.Close()
	reset("reset GET body", err)

	f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: "HeadObject", Times: 1})
	_, err = b.Head(ctx, "k")
	reset("reset HEAD", err)

	// The server resets while it reads the body: the client may notice on
	// its next write, or after its reader closed the connection.
	f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: "PutObject", Times: 1})
	_, err = b.Put(ctx, "reset", bytes.NewReader(data), int64(len(data)), storage.Metadata{})
	reset("reset PUT", err, syscall.EPIPE, net.ErrClosed)

	f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Op: "CopyObject", Times: 1})
	_, err = b.Copy(ctx, srcBkt, "k", "copy", "")
	reset("reset Copy", err)

	// A reader shorter than the size it claims fails the request.
	if _, err := b.Put(ctx, "short", strings.NewReader("abc"), 10, storage.Metadata{}); err == nil {
		t.Fatal("Put of a short reader succeeded")
	}
}

// TestAnonymous: without credentials requests go unsigned; a public-read
// bucket can be read, nothing else.
func TestAnonymous(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := []byte("public data")
	f.seed(t, publicBkt, ossemu.ObjectSpec{Key: "pub lic+é", Data: data})
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "private", Data: data})
	rec := newRecorder(t, f.cloud.Endpoint(hz))
	for _, sign := range signers {
		open := func(bucket string) storage.Bucket {
			return mustOpen(t, storage.Endpoint{Region: hz, Endpoint: rec.URL, Bucket: bucket, SignVersion: sign})
		}
		pub := open(publicBkt)
		page, err := pub.List(ctx, storage.ListOptions{})
		if err != nil || len(page.Objects) != 1 {
			t.Fatalf("anonymous List: %+v %v", page, err)
		}
		body, info, err := pub.Get(ctx, "pub lic+é", 0, -1, "")
		if err != nil {
			t.Fatalf("anonymous Get: %v", err)
		}
		equalBytes(t, "anonymous Get", readAll(t, body), data)
		if info.CRC64 != crcOf(data) {
			t.Fatalf("info %+v", info)
		}
		_, err = pub.Put(ctx, "k", strings.NewReader("x"), 1, storage.Metadata{})
		wantStoreError(t, err, "Put", http.StatusForbidden, "AccessDenied")
		_, err = open(srcBkt).Head(ctx, "private")
		wantStoreError(t, err, "Head", http.StatusForbidden, "AccessDenied")
		for _, r := range rec.take() {
			if v := r.Header.Get("Authorization"); v != "" {
				t.Fatalf("anonymous %s %s sent Authorization %q", r.Method, r.URL, v)
			}
		}
	}
}

// TestSTS: a security token is sent with every request.
func TestSTS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, sign := range signers {
		b := f.open(t, carol, srcBkt, hz, sign)
		_, err := b.Put(ctx, "k", strings.NewReader("x"), 1, storage.Metadata{})
		// carol owns nothing: her token is accepted, the bucket refuses her.
		wantStoreError(t, err, "Put", http.StatusForbidden, "AccessDenied")
		if err := f.cloud.Grant(srcBkt, carol, ossemu.PermWrite); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Put(ctx, "k", strings.NewReader("x"), 1, storage.Metadata{}); err != nil {
			t.Fatalf("STS Put: %v", err)
		}
		ep := f.endpoint(t, carol, srcBkt, hz, sign)
		ep.Credentials.SecurityToken = "wrong-token"
		_, err = mustOpen(t, ep).Head(ctx, "k")
		wantStoreError(t, err, "Head", http.StatusForbidden, "InvalidSecurityToken")
		ep.Credentials.SecurityToken = ""
		_, err = mustOpen(t, ep).Head(ctx, "k")
		var se *storage.Error
		if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
			t.Fatalf("STS key without token: %v", err)
		}
		if err := f.cloud.Grant(srcBkt, carol, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCrossAccountCopy: bob copies from alice's bucket once she grants read.
func TestCrossAccountCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := content(4, 5000)
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "shared", Data: data, Tags: map[string]string{"k": "v"}})
	b := f.open(t, bob, bobBkt, hz, "v4")
	_, err := b.Copy(ctx, srcBkt, "shared", "mine", "")
	wantStoreError(t, err, "Copy", http.StatusForbidden, "AccessDenied")
	if err := f.cloud.Grant(srcBkt, bob, ossemu.PermRead); err != nil {
		t.Fatal(err)
	}
	res, err := b.Copy(ctx, srcBkt, "shared", "mine", "")
	if err != nil || res.ETag != md5Hex(data) {
		t.Fatalf("granted Copy: %+v %v", res, err)
	}
	equalBytes(t, "cross-account copy", f.stored(t, bobBkt, "mine"), data)
}

// TestOpen checks endpoint and credential handling; no request is made.
func TestOpen(t *testing.T) {
	t.Parallel()
	good := storage.Endpoint{Region: hz, Bucket: "bkt", Credentials: storage.Credentials{AccessKeyID: "LTAIxxxxxxxx", AccessKeySecret: "top-secret-value"}}
	for _, tc := range []struct {
		name string
		edit func(*storage.Endpoint)
		ok   bool
	}{
		{"default endpoint", func(*storage.Endpoint) {}, true},
		{"bare host", func(e *storage.Endpoint) { e.Endpoint = "oss-cn-hangzhou-internal.aliyuncs.com" }, true},
		{"URL", func(e *storage.Endpoint) { e.Endpoint = "http://127.0.0.1:9000/" }, true},
		{"v1", func(e *storage.Endpoint) { e.SignVersion = "v1" }, true},
		{"V4 upper case", func(e *storage.Endpoint) { e.SignVersion = "V4" }, true},
		{"v1 without region", func(e *storage.Endpoint) { e.SignVersion, e.Region, e.Endpoint = "v1", "", "oss.example.com" }, true},
		{"anonymous", func(e *storage.Endpoint) { e.Credentials = storage.Credentials{} }, true},
		{"sts", func(e *storage.Endpoint) { e.Credentials.SecurityToken = "tok" }, true},
		{"no bucket", func(e *storage.Endpoint) { e.Bucket = "" }, false},
		{"bad bucket", func(e *storage.Endpoint) { e.Bucket = "A_B" }, false},
		{"oss- region", func(e *storage.Endpoint) { e.Region = "oss-cn-hangzhou" }, false},
		{"no region, no endpoint", func(e *storage.Endpoint) { e.Region = "" }, false},
		{"v4 without region", func(e *storage.Endpoint) { e.Region, e.Endpoint = "", "oss.example.com" }, false},
		{"unknown sign version", func(e *storage.Endpoint) { e.SignVersion = "v2" }, false},
		{"endpoint with path", func(e *storage.Endpoint) { e.Endpoint = "https://oss.example.com/bkt" }, false},
		{"ftp endpoint", func(e *storage.Endpoint) { e.Endpoint = "ftp://oss.example.com" }, false},
		{"secret without key", func(e *storage.Endpoint) { e.Credentials.AccessKeyID = "" }, false},
		{"key without secret", func(e *storage.Endpoint) { e.Credentials.AccessKeySecret = "" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := good
			tc.edit(&ep)
			b, err := ossstore.Open(context.Background(), ep)
			if tc.ok != (err == nil) {
				t.Fatalf("Open: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), "top-secret-value") {
				t.Fatalf("error leaks the secret: %v", err)
			}
			if err == nil && (b.Name() != ep.Bucket || b.Region() != ep.Region) {
				t.Fatalf("Name/Region %q %q", b.Name(), b.Region())
			}
		})
	}
}

// TestConcurrency: 64 parallel ranged GETs on one handle run side by side.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := content(21, 64*1024)
	f.seed(t, srcBkt, ossemu.ObjectSpec{Key: "k", Data: data})
	b := f.open(t, alice, srcBkt, hz, "v4")
	f.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultLatency, Op: "GetObject", Latency: 50 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	start := time.Now()
	for i := range 64 {
		wg.Go(func() {
			off := int64(i * 1024)
			body, _, err := b.Get(ctx, "k", off, 1024, "")
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = body.Close() }()
			got, err := io.ReadAll(body)
			if err == nil && !bytes.Equal(got, data[off:off+1024]) {
				err = fmt.Errorf("part %d differs", i)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	// Serialised, the 64 requests would take 3.2 s.
	if d := time.Since(start); d > time.Second {
		t.Errorf("64 parallel GETs took %v: the connection pool serialises them", d)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f.requests(t, map[string]int64{"GetObject": 64})
	// The handle releases its idle connections on Close and stays usable.
	c, ok := b.(io.Closer)
	if !ok {
		t.Fatal("the bucket handle is not an io.Closer")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Head(ctx, "k"); err != nil {
		t.Fatalf("Head after Close: %v", err)
	}
}

// TestUploadPartCRCWithoutServerCRC: UploadPart reports the CRC-64 of the
// bytes it sent even when the server answers without one (the engine
// verifies streamed multipart copies with it and does not hash the bytes
// itself).
func TestUploadPartCRCWithoutServerCRC(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := url.Parse(f.cloud.Endpoint(hz))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Del("X-Oss-Hash-Crc64ecma")
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	ep := f.endpoint(t, alice, srcBkt, hz, "v4")
	ep.Endpoint = srv.URL
	b := mustOpen(t, ep)
	id, err := b.InitMultipart(ctx, "mp", storage.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	data := content(3, partSize)
	part, err := b.UploadPart(ctx, "mp", id, 1, bytes.NewReader(data), partSize)
	if err != nil {
		t.Fatal(err)
	}
	if !part.HasCRC64 || part.CRC64 != crcOf(data) {
		t.Fatalf("part %+v, want the CRC-64 of the bytes sent, %d", part, crcOf(data))
	}
}

// TestGetEmptyKey: Get refuses an empty key itself (it sends through
// Bucket.Do, which does not check object names) and sends nothing.
func TestGetEmptyKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.open(t, alice, srcBkt, hz, "v4")
	f.cloud.ResetStats()
	for _, length := range []int64{-1, 10} {
		if _, _, err := b.Get(context.Background(), "", 0, length, ""); err == nil || !strings.Contains(err.Error(), "empty key") {
			t.Fatalf("Get with an empty key (length %d): err = %v", length, err)
		}
	}
	f.requests(t, map[string]int64{})
}
