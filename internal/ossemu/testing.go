package ossemu

import (
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// StartForTest starts an emulator that closes when the test ends. Buckets
// are created for each spec; a failure to start fails the test.
func StartForTest(t testing.TB, cfg Config, buckets ...BucketSpec) *Cloud {
	t.Helper()
	c, err := Start(cfg)
	if err != nil {
		t.Fatalf("start OSS emulator: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	for _, b := range buckets {
		if err := c.CreateBucket(b); err != nil {
			t.Fatalf("create bucket: %v", err)
		}
	}
	return c
}

// MustClient is Client for tests: it fails the test on error.
func (c *Cloud) MustClient(t testing.TB, account, region string, opts ...oss.ClientOption) *oss.Client {
	t.Helper()
	cl, err := c.Client(account, region, opts...)
	if err != nil {
		t.Fatalf("emulator client: %v", err)
	}
	return cl
}

// MustBucket returns an SDK bucket handle for account on the bucket's region.
func (c *Cloud) MustBucket(t testing.TB, account, bucket string, opts ...oss.ClientOption) *oss.Bucket {
	t.Helper()
	rec, err := c.backend.Bucket(bucket)
	if err != nil {
		t.Fatalf("bucket %q: %v", bucket, err)
	}
	b, err := c.MustClient(t, account, rec.Region, opts...).Bucket(bucket)
	if err != nil {
		t.Fatalf("bucket %q: %v", bucket, err)
	}
	return b
}
