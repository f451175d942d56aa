package ossemu

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
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
