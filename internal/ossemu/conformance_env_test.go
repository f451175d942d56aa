package ossemu_test

// Shared fixtures for the conformance suite. The suite drives the unmodified
// aliyun-oss-go-sdk against the emulator and asserts what the SDK sees: status
// codes and error codes through oss.ServiceError, headers through
// GetObjectDetailedMeta / GetResponseHeader, and content byte for byte.

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// Regions and accounts of the standard fixture.
const (
	hz = "cn-hangzhou"
	sh = "cn-shanghai"

	alice = "alice" // owns every bucket unless a test says otherwise
	bob   = "bob"   // a second, unrelated account
	carol = "carol" // an STS identity: every request needs stsToken
)

const stsToken = "CAIS-emulator-sts-token"

var testAccounts = []ossemu.Account{
	{Name: alice, AccessKeyID: "LTAIalice000000000001", AccessKeySecret: "alice-secret"},
	{Name: bob, AccessKeyID: "LTAIbob00000000000002", AccessKeySecret: "bob-secret"},
	{Name: carol, AccessKeyID: "STS.carol0000000003", AccessKeySecret: "carol-secret", SecurityToken: stsToken},
}

func account(t testing.TB, name string) ossemu.Account {
	t.Helper()
	for _, a := range testAccounts {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no test account %q", name)
	return ossemu.Account{}
}

// fakeClock is an advanceable clock for Config.Clock. It starts at the real
// time because the SDK stamps requests with time.Now: the emulator's skew
// check compares that with this clock, so tests move it by less than the
// allowed 15 minutes unless they want RequestTimeTooSkewed.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is one emulator with the standard accounts and regions.
type env struct {
	t     *testing.T
	cloud *ossemu.Cloud
	clock *fakeClock
}

// newEnv starts an emulator with regions hz and sh, the three test accounts
// and a fake clock; cfg fields that are set (RestoreDelay, FaultSeed) are kept.
func newEnv(t *testing.T, cfg ossemu.Config, buckets ...ossemu.BucketSpec) *env {
	t.Helper()
	clk := newFakeClock()
	if cfg.Accounts == nil {
		cfg.Accounts = testAccounts
	}
	if cfg.Regions == nil {
		cfg.Regions = []string{hz, sh}
	}
	if cfg.Clock == nil {
		cfg.Clock = clk.Now
	}
	c := ossemu.StartForTest(t, cfg, buckets...)
	return &env{t: t, cloud: c, clock: clk}
}

// bucket returns an SDK bucket handle signed by account (V1 unless opts say otherwise).
func (e *env) bucket(accountName, bucket string, opts ...oss.ClientOption) *oss.Bucket {
	e.t.Helper()
	return e.cloud.MustBucket(e.t, accountName, bucket, opts...)
}

// bucketOn returns a handle for a bucket addressed on a given region's
// endpoint, whether or not the bucket lives there.
func (e *env) bucketOn(accountName, region, bucket string, opts ...oss.ClientOption) *oss.Bucket {
	e.t.Helper()
	b, err := e.cloud.MustClient(e.t, accountName, region, opts...).Bucket(bucket)
	if err != nil {
		e.t.Fatalf("bucket handle %s: %v", bucket, err)
	}
	return b
}

// rawClient is an SDK client with arbitrary credentials, for negative auth tests.
func (e *env) rawClient(region, ak, sk string, opts ...oss.ClientOption) *oss.Client {
	e.t.Helper()
	cl, err := oss.New(e.cloud.Endpoint(region), ak, sk, opts...)
	if err != nil {
		e.t.Fatalf("oss.New: %v", err)
	}
	return cl
}

func (e *env) seed(bucket string, specs ...ossemu.ObjectSpec) {
	e.t.Helper()
	for _, s := range specs {
		if err := e.cloud.PutObject(bucket, s); err != nil {
			e.t.Fatalf("seed %s/%s: %v", bucket, s.Key, err)
		}
	}
}

// stored returns the bytes the emulator holds for an object.
func (e *env) stored(bucket, key string) []byte {
	e.t.Helper()
	_, data, err := e.cloud.Object(bucket, key)
	if err != nil {
		e.t.Fatalf("stored %s/%s: %v", bucket, key, err)
	}
	return data
}

// absent fails the test if the emulator holds the object.
func (e *env) absent(bucket, key string) {
	e.t.Helper()
	if _, _, err := e.cloud.Object(bucket, key); !errors.Is(err, ossemu.ErrNoSuchKey) {
		e.t.Fatalf("object %s/%s: want ErrNoSuchKey, got %v", bucket, key, err)
	}
}

// v4 are the client options for V4 signing in a region.
func v4(region string) []oss.ClientOption {
	return []oss.ClientOption{oss.AuthVersion(oss.AuthV4), oss.Region(region)}
}

// content returns n deterministic pseudo-random bytes.
func content(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func crcOf(b []byte) uint64 { return crc64ecma.Checksum(b) }

// etagOf is the ETag OSS gives a PutObject object: quoted upper-case MD5 hex.
func etagOf(b []byte) string { return fmt.Sprintf(`"%X"`, md5.Sum(b)) }

// serviceError asserts that err is an oss.ServiceError with the status and
// code, and returns it.
func serviceError(t testing.TB, err error, status int, code string) oss.ServiceError {
	t.Helper()
	var se oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("want ServiceError %d %s, got %T: %v", status, code, err, err)
	}
	if se.StatusCode != status || se.Code != code {
		t.Fatalf("want ServiceError %d %s, got %d %s (%s)", status, code, se.StatusCode, se.Code, se.Message)
	}
	if se.RequestID == "" {
		t.Errorf("ServiceError %s carries no request ID", code)
	}
	return se
}

// wantServiceError is serviceError for callers that need only the check.
func wantServiceError(t testing.TB, err error, status int, code string) {
	t.Helper()
	_ = serviceError(t, err, status, code)
}

// getBytes reads a whole object through GetObject.
func getBytes(t testing.TB, b *oss.Bucket, key string, opts ...oss.Option) []byte {
	t.Helper()
	rc, err := b.GetObject(key, opts...)
	if err != nil {
		t.Fatalf("GetObject %q: %v", key, err)
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("GetObject %q: read: %v", key, err)
	}
	return data
}

// equalBytes compares content without printing megabytes on failure.
func equalBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s: content differs: got %d bytes, want %d, first difference at offset %d", what, len(got), len(want), i)
}

// headCRC returns the object's x-oss-hash-crc64ecma from HEAD.
func headCRC(t testing.TB, b *oss.Bucket, key string) uint64 {
	t.Helper()
	h, err := b.GetObjectDetailedMeta(key)
	if err != nil {
		t.Fatalf("HEAD %q: %v", key, err)
	}
	v, err := strconv.ParseUint(h.Get("X-Oss-Hash-Crc64ecma"), 10, 64)
	if err != nil {
		t.Fatalf("HEAD %q: x-oss-hash-crc64ecma %q: %v", key, h.Get("X-Oss-Hash-Crc64ecma"), err)
	}
	return v
}

// rawDo is an unsigned (anonymous) HTTP request, as a browser would send it.
func rawDo(t testing.TB, method, url string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return resp, data
}
