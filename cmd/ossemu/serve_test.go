package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseServeFlags(t *testing.T) {
	opts, err := parseServeFlags([]string{
		"-listen", "127.0.0.1:9200", "-regions", "cn-hangzhou, cn-shanghai",
		"-account", "alice:AK1:S1", "-account", "bob:AK2:S2:TOKEN",
		"-bucket", "src:cn-shanghai:bob:public-read", "-bucket", "dst",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg := opts.cfg
	if got := cfg.Listen["cn-hangzhou"] + " " + cfg.Listen["cn-shanghai"]; got != "127.0.0.1:9200 127.0.0.1:9201" {
		t.Errorf("listen addresses = %q", got)
	}
	if len(cfg.Accounts) != 2 || cfg.Accounts[1].SecurityToken != "TOKEN" || cfg.Accounts[0].AccessKeySecret != "S1" {
		t.Errorf("accounts = %+v", cfg.Accounts)
	}
	if b := opts.buckets[0]; b.Name != "src" || b.Region != "cn-shanghai" || b.Owner != "bob" || b.ACL != "public-read" {
		t.Errorf("bucket = %+v", b)
	}
	if b := opts.buckets[1]; b.Name != "dst" || b.Region != "" {
		t.Errorf("bucket = %+v", b)
	}
}

func TestParseServeFlagsErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"account without secret": {[]string{"-account", "alice:AK1"}, "want name:access-key-id:secret"},
		"secret not echoed":      {[]string{"-account", "alice:AK1:TOPSECRET:tok:extra"}, "alice:AK1:****"},
		"bad listen":             {[]string{"-listen", "nowhere"}, "-listen"},
		"bad log level":          {[]string{"-log-level", "loud"}, "-log-level"},
		"no regions":             {[]string{"-regions", " , "}, "-regions"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseServeFlags(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "TOPSECRET") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}
