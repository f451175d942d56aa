package ossemu_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// TestRegionWrongEndpoint addresses a bucket on another region's endpoint:
// every operation fails with 403 and the endpoint the bucket must be
// addressed on, which the SDK exposes as ServiceError.Endpoint.
func TestRegionWrongEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "hz-bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "sh-bkt", Region: sh, Owner: alice},
	)
	e.seed("hz-bkt", ossemu.ObjectSpec{Key: "k", Data: []byte("hangzhou")})
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			b := e.bucketOn(alice, sh, "hz-bkt", sg.opts(sh)...)
			cl := e.cloud.MustClient(t, alice, sh, sg.opts(sh)...)
			ops := map[string]func() error{
				"GetObject":               func() error { _, err := b.GetObject("k"); return err },
				"HeadObject":              func() error { _, err := b.GetObjectDetailedMeta("k"); return err },
				"PutObject":               func() error { return b.PutObject("k", strings.NewReader("shanghai")) },
				"DeleteObject":            func() error { return b.DeleteObject("k") },
				"ListObjectsV2":           func() error { _, err := b.ListObjectsV2(); return err },
				"ListObjects":             func() error { _, err := b.ListObjects(); return err },
				"InitiateMultipartUpload": func() error { _, err := b.InitiateMultipartUpload("m"); return err },
				"GetBucketInfo":           func() error { _, err := cl.GetBucketInfo("hz-bkt"); return err },
				"CopyObject":              func() error { _, err := b.CopyObject("k", "k2"); return err },
			}
			for name, op := range ops {
				se := serviceError(t, op(), http.StatusForbidden, "AccessDenied")
				if se.Endpoint != "oss-cn-hangzhou.aliyuncs.com" {
					t.Errorf("%s: Endpoint %q, want oss-cn-hangzhou.aliyuncs.com", name, se.Endpoint)
				}
			}
			if got := e.stored("hz-bkt", "k"); string(got) != "hangzhou" {
				t.Fatalf("object changed through the wrong endpoint: %q", got)
			}
			e.absent("hz-bkt", "k2")
			// The right endpoint works, and a missing bucket is missing everywhere.
			if got := getBytes(t, e.bucket(alice, "hz-bkt", sg.opts(hz)...), "k"); string(got) != "hangzhou" {
				t.Fatalf("right endpoint: %q", got)
			}
			_, err := e.bucketOn(alice, sh, "no-such-bkt", sg.opts(sh)...).GetObject("k")
			wantServiceError(t, err, http.StatusNotFound, "NoSuchBucket")
		})
	}
}

// TestRegionBuckets creates buckets through each region's endpoint and
// checks where OSS says they live.
func TestRegionBuckets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{})
	for _, region := range []string{hz, sh} {
		cl := e.cloud.MustClient(t, alice, region)
		name := "made-in-" + region
		if err := cl.CreateBucket(name); err != nil {
			t.Fatalf("CreateBucket on %s: %v", region, err)
		}
		if loc, err := cl.GetBucketLocation(name); err != nil || loc != "oss-"+region {
			t.Fatalf("GetBucketLocation: %q %v", loc, err)
		}
	}
	// ListBuckets on any endpoint lists the caller's buckets of every region.
	lb, err := e.cloud.MustClient(t, alice, hz).ListBuckets()
	if err != nil || len(lb.Buckets) != 2 || lb.Buckets[0].Name != "made-in-cn-hangzhou" || lb.Buckets[1].Region != sh {
		t.Fatalf("ListBuckets: %+v %v", lb, err)
	}
	if lb, err := e.cloud.MustClient(t, bob, sh).ListBuckets(); err != nil || len(lb.Buckets) != 0 {
		t.Fatalf("bob's ListBuckets: %+v %v", lb, err)
	}
	// The bucket namespace is global.
	wantServiceError(t, e.cloud.MustClient(t, bob, sh).CreateBucket("made-in-cn-hangzhou"), http.StatusConflict, "BucketAlreadyExists")
}

// TestRegionCrossRegionCopy: OSS copies only within a region, for CopyObject
// and UploadPartCopy alike.
func TestRegionCrossRegionCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "hz-bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "sh-bkt", Region: sh, Owner: alice},
	)
	data := content(4, 200_000)
	e.seed("hz-bkt", ossemu.ObjectSpec{Key: "src", Data: data})
	dst := e.bucket(alice, "sh-bkt")
	_, err := dst.CopyObjectFrom("hz-bkt", "src", "dst")
	wantServiceError(t, err, http.StatusForbidden, "AccessDenied")
	e.absent("sh-bkt", "dst")

	imur, err := dst.InitiateMultipartUpload("dst")
	if err != nil {
		t.Fatal(err)
	}
	_, err = dst.UploadPartCopy(imur, "hz-bkt", "src", 0, 100_000, 1)
	wantServiceError(t, err, http.StatusForbidden, "AccessDenied")
	if err := dst.AbortMultipartUpload(imur); err != nil {
		t.Fatal(err)
	}
}

// TestOwnershipCrossAccountCopy: copying another account's object needs read
// on the source (a grant standing in for a bucket policy, or a public ACL)
// and write on the destination.
func TestOwnershipCrossAccountCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "alice-src", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "bob-dst", Region: hz, Owner: bob},
	)
	data := content(5, 300_000)
	e.seed("alice-src", ossemu.ObjectSpec{Key: "dir/obj", Data: data}, ossemu.ObjectSpec{Key: "other", Data: data[:10]})
	dst := e.bucket(bob, "bob-dst")

	copyOK := func(t *testing.T, srcKey, dstKey string) {
		t.Helper()
		res, err := dst.CopyObjectFrom("alice-src", srcKey, dstKey)
		if err != nil {
			t.Fatalf("CopyObjectFrom %s: %v", srcKey, err)
		}
		src, _, _ := e.cloud.Object("alice-src", srcKey)
		if res.ETag != `"`+src.ETag+`"` {
			t.Fatalf("copy ETag %s, source %s", res.ETag, src.ETag)
		}
		equalBytes(t, "cross-account copy", getBytes(t, dst, dstKey), e.stored("alice-src", srcKey))
	}
	copyDenied := func(t *testing.T, srcKey, dstKey string) {
		t.Helper()
		_, err := dst.CopyObjectFrom("alice-src", srcKey, dstKey)
		wantServiceError(t, err, http.StatusForbidden, "AccessDenied")
		e.absent("bob-dst", dstKey)
	}

	t.Run("private source denied", func(t *testing.T) {
		copyDenied(t, "dir/obj", "denied")
		imur, err := dst.InitiateMultipartUpload("denied-mp")
		if err != nil {
			t.Fatal(err)
		}
		_, err = dst.UploadPartCopy(imur, "alice-src", "dir/obj", 0, 100, 1)
		wantServiceError(t, err, http.StatusForbidden, "AccessDenied")
		_ = dst.AbortMultipartUpload(imur)
	})
	t.Run("granted read", func(t *testing.T) {
		if err := e.cloud.Grant("alice-src", bob, ossemu.PermRead); err != nil {
			t.Fatal(err)
		}
		copyOK(t, "dir/obj", "granted")
		imur, err := dst.InitiateMultipartUpload("granted-mp")
		if err != nil {
			t.Fatal(err)
		}
		p1, err := dst.UploadPartCopy(imur, "alice-src", "dir/obj", 0, 150_000, 1)
		if err != nil {
			t.Fatalf("UploadPartCopy: %v", err)
		}
		p2, err := dst.UploadPartCopy(imur, "alice-src", "dir/obj", 150_000, 150_000, 2)
		if err != nil {
			t.Fatalf("UploadPartCopy: %v", err)
		}
		if _, err := dst.CompleteMultipartUpload(imur, []oss.UploadPart{p1, p2}); err != nil {
			t.Fatal(err)
		}
		equalBytes(t, "cross-account part copy", getBytes(t, dst, "granted-mp"), data)
		// Read does not let bob write into alice's bucket.
		wantServiceError(t, e.bucket(bob, "alice-src").PutObject("x", strings.NewReader("x")), http.StatusForbidden, "AccessDenied")
		if err := e.cloud.Grant("alice-src", bob, ""); err != nil {
			t.Fatal(err)
		}
		copyDenied(t, "dir/obj", "revoked")
	})
	t.Run("public-read bucket", func(t *testing.T) {
		if err := e.cloud.SetBucketACL("alice-src", "public-read"); err != nil {
			t.Fatal(err)
		}
		copyOK(t, "dir/obj", "public")
		if err := e.cloud.SetBucketACL("alice-src", "private"); err != nil {
			t.Fatal(err)
		}
		copyDenied(t, "dir/obj", "private-again")
	})
	t.Run("public-read object", func(t *testing.T) {
		if err := e.bucket(alice, "alice-src").SetObjectACL("other", oss.ACLPublicRead); err != nil {
			t.Fatal(err)
		}
		copyOK(t, "other", "public-object")
		copyDenied(t, "dir/obj", "still-private")
	})
	t.Run("destination not writable", func(t *testing.T) {
		// alice reads her own object but may not write into bob's bucket.
		_, err := e.bucket(alice, "alice-src").CopyObjectTo("bob-dst", "pushed", "dir/obj")
		wantServiceError(t, err, http.StatusForbidden, "AccessDenied")
		e.absent("bob-dst", "pushed")
	})
}

// TestOwnershipSecondAccount: another account is a stranger to a private
// bucket until granted read, then write.
func TestOwnershipSecondAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "alice-bkt", Region: hz, Owner: alice})
	e.seed("alice-bkt", ossemu.ObjectSpec{Key: "k", Data: []byte("alice's")})
	b := e.bucket(bob, "alice-bkt")
	cl := e.cloud.MustClient(t, bob, hz)
	reads := map[string]func() error{
		"ListObjectsV2":    func() error { _, err := b.ListObjectsV2(); return err },
		"ListObjects":      func() error { _, err := b.ListObjects(); return err },
		"GetObject":        func() error { _, err := b.GetObject("k"); return err },
		"HeadObject":       func() error { _, err := b.GetObjectDetailedMeta("k"); return err },
		"GetObjectMeta":    func() error { _, err := b.GetObjectMeta("k"); return err },
		"GetObjectTagging": func() error { _, err := b.GetObjectTagging("k"); return err },
	}
	writes := map[string]func() error{
		"PutObject":        func() error { return b.PutObject("k", strings.NewReader("bob's")) },
		"DeleteObject":     func() error { return b.DeleteObject("k") },
		"DeleteObjects":    func() error { _, err := b.DeleteObjects([]string{"k"}); return err },
		"PutObjectTagging": func() error { return b.PutObjectTagging("k", oss.Tagging{Tags: []oss.Tag{{Key: "a", Value: "b"}}}) },
		"InitiateMultipartUpload": func() error {
			_, err := b.InitiateMultipartUpload("m")
			return err
		},
		"ListMultipartUploads": func() error { _, err := b.ListMultipartUploads(); return err },
		"CopyObject":           func() error { _, err := b.CopyObject("k", "k2"); return err },
	}
	ownerOnly := map[string]func() error{
		"GetBucketInfo": func() error { _, err := cl.GetBucketInfo("alice-bkt"); return err },
		"GetBucketACL":  func() error { _, err := cl.GetBucketACL("alice-bkt"); return err },
		"SetBucketACL":  func() error { return cl.SetBucketACL("alice-bkt", oss.ACLPublicReadWrite) },
		"DeleteBucket":  func() error { return cl.DeleteBucket("alice-bkt") },
	}
	expect := func(t *testing.T, ops map[string]func() error, allowed bool) {
		t.Helper()
		for name, op := range ops {
			err := op()
			if allowed {
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				continue
			}
			var se oss.ServiceError
			if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden || se.Code != "AccessDenied" {
				t.Errorf("%s: want 403 AccessDenied, got %v", name, err)
			}
		}
	}
	t.Run("stranger", func(t *testing.T) {
		expect(t, reads, false)
		expect(t, writes, false)
		expect(t, ownerOnly, false)
		if got := e.stored("alice-bkt", "k"); string(got) != "alice's" {
			t.Fatalf("object changed: %q", got)
		}
	})
	t.Run("granted read", func(t *testing.T) {
		if err := e.cloud.Grant("alice-bkt", bob, ossemu.PermRead); err != nil {
			t.Fatal(err)
		}
		expect(t, reads, true)
		expect(t, writes, false)
		expect(t, ownerOnly, false)
	})
	t.Run("granted write", func(t *testing.T) {
		if err := e.cloud.Grant("alice-bkt", bob, ossemu.PermWrite); err != nil {
			t.Fatal(err)
		}
		data := content(6, 1000)
		if err := b.PutObject("bobs", bytes.NewReader(data)); err != nil {
			t.Fatalf("PutObject with write grant: %v", err)
		}
		equalBytes(t, "granted write", getBytes(t, b, "bobs"), data)
		if err := b.DeleteObject("bobs"); err != nil {
			t.Fatal(err)
		}
		expect(t, ownerOnly, false)
	})
}

// TestRegionVirtualHostedStyle uses OSS's real host names
// (<bucket>.oss-<region>.aliyuncs.com) with a dialer that routes every host
// to the region's listener: the bucket then comes from the Host header.
func TestRegionVirtualHostedStyle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "hz-bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "sh-bkt", Region: sh, Owner: alice},
	)
	a := account(t, alice)
	client := func(region string, opts ...oss.ClientOption) *oss.Client {
		addr := strings.TrimPrefix(e.cloud.Endpoint(region), "http://")
		tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
		t.Cleanup(tr.CloseIdleConnections)
		cl, err := oss.New("http://"+ossemu.PublicEndpoint(region), a.AccessKeyID, a.AccessKeySecret,
			append(opts, oss.HTTPClient(&http.Client{Transport: tr}))...)
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	data := content(7, 150_000)
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			cl := client(hz, sg.opts(hz)...)
			b, _ := cl.Bucket("hz-bkt")
			key := "vhost/" + sg.name + "/ü k+y"
			if err := b.PutObject(key, bytes.NewReader(data)); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			equalBytes(t, "virtual-hosted GET", getBytes(t, b, key), data)
			equalBytes(t, "stored", e.stored("hz-bkt", key), data)
			if res, err := b.ListObjectsV2(oss.Prefix("vhost/" + sg.name + "/")); err != nil || len(res.Objects) != 1 || res.Objects[0].Key != key {
				t.Fatalf("ListObjectsV2: %+v %v", res, err)
			}
			if _, err := b.CopyObject(key, key+".copy"); err != nil {
				t.Fatalf("CopyObject: %v", err)
			}
			if info, err := cl.GetBucketInfo("hz-bkt"); err != nil || info.BucketInfo.ExtranetEndpoint != "oss-cn-hangzhou.aliyuncs.com" {
				t.Fatalf("GetBucketInfo: %+v %v", info, err)
			}
			if lb, err := cl.ListBuckets(); err != nil || len(lb.Buckets) != 2 {
				t.Fatalf("ListBuckets: %+v %v", lb, err)
			}
			// The Shanghai bucket through the Hangzhou host name.
			wrong, _ := cl.Bucket("sh-bkt")
			_, err := wrong.GetObjectDetailedMeta("x")
			if se := serviceError(t, err, http.StatusForbidden, "AccessDenied"); se.Endpoint != "oss-cn-shanghai.aliyuncs.com" {
				t.Fatalf("Endpoint %q", se.Endpoint)
			}
		})
	}
}
