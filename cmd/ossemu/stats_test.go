package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

func TestStatsEndpoint(t *testing.T) {
	cloud := ossemu.StartForTest(t, ossemu.Config{}, ossemu.BucketSpec{Name: "one"}, ossemu.BucketSpec{Name: "two"})
	for _, b := range []string{"one", "two", "two"} {
		if err := cloud.MustBucket(t, ossemu.DefaultAccount.Name, b).PutObject("k", strings.NewReader("x"), oss.ContentType("text/plain")); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(statsHandler(cloud))
	defer srv.Close()
	get := func(path string) map[string]ossemu.OpStats {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %s, %s", path, resp.Status, resp.Header.Get("Content-Type"))
		}
		var st map[string]ossemu.OpStats
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if got := get("/stats")["PutObject"]; got.Requests != 3 || got.Succeeded != 3 || got.BytesIn != 3 {
		t.Errorf("all buckets: PutObject %+v, want 3 requests of 1 byte", got)
	}
	if got := get("/stats?bucket=two")["PutObject"].Requests; got != 2 {
		t.Errorf("bucket two: %d PutObject, want 2", got)
	}
	resp, err := http.Post(srv.URL+"/stats/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %s", resp.Status)
	}
	if got := get("/stats"); len(got) != 0 {
		t.Errorf("after reset: %v, want no counters", got)
	}
	// Only GET /stats and POST /stats/reset exist.
	resp, err = http.Post(srv.URL+"/stats", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /stats: %s, want 405", resp.Status)
	}
}

func TestStatsAddrMustBeLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:0": true, "[::1]:9300": true, "localhost:9300": true,
		"0.0.0.0:9300": false, ":9300": false, "10.0.0.1:9300": false, "nowhere": false,
	} {
		_, err := parseServeFlags([]string{"-stats-addr", addr}, io.Discard)
		if (err == nil) != ok {
			t.Errorf("-stats-addr %s: err = %v, want ok=%v", addr, err, ok)
		}
	}
}
