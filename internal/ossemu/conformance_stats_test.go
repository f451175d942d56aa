package ossemu_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// TestStatsCounters: each SDK call is exactly one counted request, under its
// operation's name and its bucket, with body bytes in and out.
func TestStatsCounters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "other", Region: hz, Owner: alice},
	)
	b := e.bucket(alice, "bkt")
	data := content(120, 12345)
	if len(e.cloud.Stats()) != 0 {
		t.Fatalf("stats before any request: %v", e.cloud.Stats())
	}

	steps := []struct {
		name string
		call func()
		op   string
		want ossemu.OpStats
	}{
		{"PutObject", func() {
			if err := b.PutObject("k", bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		}, "PutObject", ossemu.OpStats{Requests: 1, BytesIn: 12345}},
		{"GetObject", func() { getBytes(t, b, "k") }, "GetObject", ossemu.OpStats{Requests: 1, BytesOut: 12345}},
		{"HEAD", func() {
			if _, err := b.GetObjectDetailedMeta("k"); err != nil {
				t.Fatal(err)
			}
		}, "HeadObject", ossemu.OpStats{Requests: 1}},
		{"failed GET counts too", func() {
			if _, err := b.GetObject("missing"); err == nil {
				t.Fatal("GET of a missing key succeeded")
			}
		}, "GetObject", ossemu.OpStats{Requests: 2, BytesOut: 12345}},
		{"CopyObject", func() {
			if _, err := b.CopyObject("k", "k2"); err != nil {
				t.Fatal(err)
			}
		}, "CopyObject", ossemu.OpStats{Requests: 1}},
		{"DeleteObject", func() {
			if err := b.DeleteObject("k2"); err != nil {
				t.Fatal(err)
			}
		}, "DeleteObject", ossemu.OpStats{Requests: 1}},
	}
	for _, s := range steps {
		s.call()
		got := e.cloud.Stats()[s.op]
		// Error bodies and XML answers count as bytes out; compare what the
		// step pins down.
		if got.Requests != s.want.Requests || got.BytesIn != s.want.BytesIn || (s.want.BytesOut != 0 && got.BytesOut < s.want.BytesOut) {
			t.Fatalf("%s: %s stats %+v, want %+v", s.name, s.op, got, s.want)
		}
	}
	if got := e.cloud.Stats()["PutObject"]; got != (ossemu.OpStats{Requests: 1, Succeeded: 1, BytesIn: 12345}) {
		t.Fatalf("PutObject %+v", got)
	}
	if got := e.cloud.Stats()["HeadObject"]; got != (ossemu.OpStats{Requests: 1, Succeeded: 1}) {
		t.Fatalf("HEAD %+v (no body either way)", got)
	}
	if got := e.cloud.Requests("GetObject"); got != 2 {
		t.Fatalf("Requests(GetObject) %d", got)
	}
	if got := e.cloud.BucketStats("bkt")["PutObject"]; got.Requests != 1 || got.BytesIn != 12345 {
		t.Fatalf("BucketStats(bkt) %+v", got)
	}
	if got := e.cloud.BucketStats("other"); len(got) != 0 {
		t.Fatalf("BucketStats(other) %+v", got)
	}
	if _, err := e.bucket(alice, "other").ListObjectsV2(); err != nil {
		t.Fatal(err)
	}
	if got := e.cloud.BucketStats("other")["ListObjectsV2"].Requests; got != 1 {
		t.Fatalf("BucketStats(other) ListObjectsV2 %d", got)
	}
	want := []string{"CopyObject", "DeleteObject", "GetObject", "HeadObject", "ListObjectsV2", "PutObject"}
	if got := e.cloud.OpNames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("OpNames %v, want %v", got, want)
	}
	e.cloud.ResetStats()
	if got := e.cloud.Stats(); len(got) != 0 {
		t.Fatalf("after ResetStats: %v", got)
	}
}
