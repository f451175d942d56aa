package ossemu

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
)

func TestSmoke(t *testing.T) {
	c := StartForTest(t, Config{}, BucketSpec{Name: "src"})
	for _, v4 := range []bool{false, true} {
		var opts []oss.ClientOption
		if v4 {
			opts = []oss.ClientOption{oss.AuthVersion(oss.AuthV4), oss.Region(DefaultRegion)}
		}
		b := c.MustBucket(t, "default", "src", opts...)
		key := "dir/a b+c~é?.txt"
		if err := b.PutObject(key, strings.NewReader("hello world"), oss.Meta("Author", "alice")); err != nil {
			t.Fatalf("v4=%v put: %v", v4, err)
		}
		r, err := b.GetObject(key)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(data, []byte("hello world")) {
			t.Fatalf("got %q", data)
		}
		h, err := b.GetObjectDetailedMeta(key)
		if err != nil {
			t.Fatal(err)
		}
		if h.Get("X-Oss-Hash-Crc64ecma") != "5981764153023615706" || h.Get("X-Oss-Meta-Author") != "alice" {
			t.Fatalf("headers %v", h)
		}
		res, err := b.ListObjectsV2(oss.Prefix("dir/"))
		if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != key {
			t.Fatalf("list %+v %v", res, err)
		}
	}
}

// TestPutCopies: every copy reads back as the object PutObject would have
// stored, and all of them share the first one's blob.
func TestPutCopies(t *testing.T) {
	c := StartForTest(t, Config{}, BucketSpec{Name: "copies"})
	keys := []string{"syn/000", "syn/001", "syn/002"}
	err := c.PutCopies("copies", ObjectSpec{Data: []byte("synthetic"), Headers: map[string]string{"Content-Type": "text/plain"}}, slices.Values(keys))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Keys("copies", "syn/"); err != nil || !slices.Equal(got, keys) {
		t.Fatalf("keys %q, %v", got, err)
	}
	first, _, err := c.Object("copies", keys[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		o, data, err := c.Object("copies", k)
		if err != nil || string(data) != "synthetic" || o.Key != k {
			t.Fatalf("%s: %q %+v %v", k, data, o, err)
		}
		if o.ETag != fmt.Sprintf("%X", md5.Sum([]byte("synthetic"))) || o.CRC64 != crc64ecma.Checksum([]byte("synthetic")) ||
			o.Headers["Content-Type"] != "text/plain" || o.Blob != first.Blob {
			t.Fatalf("%s: record %+v differs from the first's %+v", k, o, first)
		}
	}
	if err := c.PutCopies("copies", ObjectSpec{Data: []byte("x")}, slices.Values([]string{"ok", ""})); err == nil {
		t.Fatal("an empty key was accepted")
	}
}
