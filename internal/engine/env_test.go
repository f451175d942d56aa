package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// Regions and accounts every engine test's emulator has.
const (
	hz    = "cn-hangzhou"
	sh    = "cn-shanghai"
	sg    = "ap-southeast-1"
	alice = "alice"
	bob   = "bob"
)

var testAccounts = []ossemu.Account{
	{Name: alice, AccessKeyID: "LTAIalice000000", AccessKeySecret: "alice-secret"},
	{Name: bob, AccessKeyID: "LTAIbob00000000", AccessKeySecret: "bob-secret"},
}

// env is an emulator with buckets src (hz), dst (hz), dst-sh (sh), dst-sg
// (sg) and reports (hz) owned by alice and bob-dst (hz) owned by bob, plus an engine that
// reaches it.
type env struct {
	t     testing.TB
	cloud *ossemu.Cloud
	opts  Options
}

func newEnv(t testing.TB, cfg ossemu.Config) *env {
	t.Helper()
	cfg.Accounts = testAccounts
	cfg.Regions = []string{hz, sh, sg}
	c := ossemu.StartForTest(t, cfg,
		ossemu.BucketSpec{Name: "src", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "dst-sh", Region: sh, Owner: alice},
		ossemu.BucketSpec{Name: "dst-sg", Region: sg, Owner: alice},
		ossemu.BucketSpec{Name: "bob-dst", Region: hz, Owner: bob},
		ossemu.BucketSpec{Name: "reports", Region: hz, Owner: alice},
	)
	return &env{t: t, cloud: c, opts: Options{
		Logger:           hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}}),
		RetryBaseDelay:   time.Millisecond,
		RetryMaxDelay:    20 * time.Millisecond,
		ProgressInterval: time.Hour,
	}}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (e *env) engine() *Engine { return New(e.opts) }

// loc is a Location for a bucket in the emulator, reached as account.
func (e *env) loc(bucket, prefix, account string) Location {
	e.t.Helper()
	rec, err := e.cloud.Backend().Bucket(bucket)
	if err != nil {
		e.t.Fatal(err)
	}
	a, _ := e.cloud.Account(account)
	return Location{
		Endpoint: storage.Endpoint{
			Region: rec.Region, Endpoint: e.cloud.Endpoint(rec.Region), Bucket: bucket,
			Credentials: storage.Credentials{AccessKeyID: a.AccessKeyID, AccessKeySecret: a.AccessKeySecret},
		},
		Prefix: prefix, CredentialsName: account,
	}
}

// spec is a job whose reports go to the "reports" bucket, so that request
// counts on the destination are the data's alone.
func (e *env) spec(name string, src, dst Location) Spec {
	return Spec{Name: name, Source: src, Destination: dst, Report: ReportSpec{Location: e.loc("reports", "", alice).Endpoint}}
}

func (e *env) put(bucket string, spec ossemu.ObjectSpec) {
	e.t.Helper()
	if err := e.cloud.PutObject(bucket, spec); err != nil {
		e.t.Fatal(err)
	}
}

// content returns deterministic bytes for a key.
func content(key string, size int) []byte {
	if size == 0 {
		return []byte{}
	}
	seed := []byte(key + "|")
	out := make([]byte, size)
	for i := range out {
		out[i] = seed[i%len(seed)] ^ byte(i/len(seed))
	}
	return out
}

// wantObject asserts a destination object's bytes.
func (e *env) wantObject(bucket, key string, want []byte) ossemu.ObjectRecord {
	e.t.Helper()
	rec, data, err := e.cloud.Object(bucket, key)
	if err != nil {
		e.t.Fatalf("%s/%s: %v", bucket, key, err)
	}
	if !bytes.Equal(data, want) {
		e.t.Fatalf("%s/%s: %d bytes differ from the %d expected", bucket, key, len(data), len(want))
	}
	return rec
}

func (e *env) wantAbsent(bucket, key string) {
	e.t.Helper()
	if _, _, err := e.cloud.Object(bucket, key); err == nil {
		e.t.Fatalf("%s/%s exists, want absent", bucket, key)
	}
}

// rows reads one list of a run's report.
func (e *env) rows(res *Result, spec Spec, list report.List) []report.Row {
	e.t.Helper()
	spec = spec.withDefaults()
	b, err := e.opts.withDefaults().Open(context.Background(), spec.Report.Location)
	if err != nil {
		e.t.Fatal(err)
	}
	sum, err := report.ReadSummary(context.Background(), b, spec.Report.Prefix, spec.Name, res.RunID)
	if err != nil {
		e.t.Fatal(err)
	}
	var rows []report.Row
	err = report.ReadRows(context.Background(), b, spec.Report.Prefix, spec.Name, res.RunID, list, sum.Chunks[list], func(r report.Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func (e *env) run(spec Spec) *Result {
	e.t.Helper()
	res, err := e.engine().Run(context.Background(), spec)
	if err != nil {
		e.t.Fatalf("run %s: %v", spec.Name, err)
	}
	return res
}

// engineGoroutines lists the stacks of goroutines still running engine code.
func engineGoroutines() []string {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	var out []string
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "terraform-provider-ossmigrate/internal/engine.") && !strings.Contains(g, "engineGoroutines") &&
			!strings.Contains(g, "_test.go") {
			out = append(out, g)
		}
	}
	return out
}

// checkNoLeak fails the test if engine goroutines outlive it.
func checkNoLeak(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if g := engineGoroutines(); len(g) > 0 {
			t.Errorf("%d engine goroutines still running:\n%s", len(g), strings.Join(g, "\n\n"))
		}
	})
}

var _ = fmt.Sprint
var _ = io.EOF
