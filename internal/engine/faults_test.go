package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// TestThrottlingAndResetsStillFinish: with 5% 503 SlowDown and 1%
// connection resets on every request, a 2,000-object streamed job finishes
// and every byte arrives.
func TestThrottlingAndResetsStillFinish(t *testing.T) {
	checkNoLeak(t)
	e := newEnv(t, ossemu.Config{FaultSeed: 42})
	const n = 2000
	for i := range n {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("fl/%04d", i), Data: content(fmt.Sprint(i), 100+i%2000)})
	}
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Probability: 0.05, Status: 503, Code: "SlowDown"})
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultReset, Probability: 0.01})
	spec := e.spec("faults", e.loc("src", "fl/", alice), e.loc("dst-sh", "fl/", alice))
	res := e.run(spec)
	hits := e.cloud.FaultHits()
	e.cloud.ClearFaults()
	if res.Status != report.StatusFinished || res.Migrated.Files != n || res.Failed.Files != 0 {
		t.Fatalf("status %s, migrated %d, failed %d: %v", res.Status, res.Migrated.Files, res.Failed.Files, res.FailedFiles)
	}
	if hits[ossemu.FaultError] < 50 || hits[ossemu.FaultReset] < 5 {
		t.Fatalf("faults hit too rarely to prove anything: %v", hits)
	}
	for i := range n {
		e.wantObject("dst-sh", fmt.Sprintf("fl/%04d", i), content(fmt.Sprint(i), 100+i%2000))
	}
	t.Logf("fault hits %v", hits)
}

// TestCorruptedReadsAreNeverMigrated: corrupted GET bodies on streamed
// copies are detected by CRC-64 and copied again; an object whose every
// read is corrupted fails and never appears at the destination.
func TestCorruptedReadsAreNeverMigrated(t *testing.T) {
	checkNoLeak(t)
	e := newEnv(t, ossemu.Config{FaultSeed: 7})
	const n = 40
	for i := range n {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("cr/%02d", i), Data: content(fmt.Sprint(i), 5000)})
	}
	big := content("big", 700<<10)
	e.put("src", ossemu.ObjectSpec{Key: "cr/big", Data: big})
	e.put("src", ossemu.ObjectSpec{Key: "cr/always-bad", Data: content("bad", 3000)})
	e.put("src", ossemu.ObjectSpec{Key: "cr/big-always-bad", Data: big})

	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "GetObject", Key: "cr/??", Probability: 0.3})
	// Two corrupted part reads of the big object: its first attempt fails
	// verification, the second is clean.
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "GetObject", Key: "cr/big", Times: 2})
	e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultCorrupt, Op: "GetObject", Key: "cr/*always-bad"})
	spec := e.spec("corrupt", e.loc("src", "cr/", alice), e.loc("dst-sh", "cr/", alice))
	spec.PartSize, spec.MultipartThreshold, spec.MaxFailedFiles = 100<<10, 200<<10, 2
	// One object at a time: the seeded faults then hit the same requests
	// in every run. With 30% of reads corrupted, ten attempts make a clean
	// read all but certain for every object that can have one.
	spec.Limits.Parallelism = 1
	e.opts.ObjectAttempts = 10
	res := e.run(spec)
	hits := e.cloud.FaultHits()[ossemu.FaultCorrupt]
	if res.Migrated.Files != n+1 || res.Failed.Files != 2 || res.Status != report.StatusFinished {
		t.Fatalf("migrated %d, failed %d (%v), status %s", res.Migrated.Files, res.Failed.Files, res.FailedFiles, res.Status)
	}
	if hits < 10 {
		t.Fatalf("only %d corrupted reads", hits)
	}
	for i := range n {
		e.wantObject("dst-sh", fmt.Sprintf("cr/%02d", i), content(fmt.Sprint(i), 5000))
	}
	e.wantObject("dst-sh", "cr/big", big)
	e.wantAbsent("dst-sh", "cr/always-bad")
	e.wantAbsent("dst-sh", "cr/big-always-bad")
	if ups := e.cloud.Uploads(""); len(ups) != 0 {
		t.Fatalf("unfinished uploads: %+v", ups)
	}
	failed := e.rows(res, spec, report.ListFailed)
	for _, r := range failed {
		if !strings.Contains(r.Reason, "CRC-64") {
			t.Errorf("%s failed with %q, want a CRC-64 mismatch", r.SourceKey, r.Reason)
		}
	}
	for _, r := range e.rows(res, spec, report.ListCompleted) {
		if strings.Contains(r.SourceKey, "always-bad") {
			t.Errorf("%s reported as migrated", r.SourceKey)
		}
	}
	t.Logf("%d corrupted reads", hits)
}

// TestFatalErrorsStopTheRun: a destination bucket that does not exist stops
// the run at once with a clear error.
func TestFatalErrorsStopTheRun(t *testing.T) {
	checkNoLeak(t)
	e := newEnv(t, ossemu.Config{})
	for i := range 50 {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("fa/%02d", i), Data: []byte("x")})
	}
	dst := e.loc("dst", "", alice)
	dst.Bucket = "no-such-bucket"
	spec := e.spec("fatal", e.loc("src", "fa/", alice), dst)
	res, err := e.engine().Run(t.Context(), spec)
	if err == nil || !strings.Contains(err.Error(), "NoSuchBucket") || res == nil || res.Status != report.StatusFailed {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if res.Migrated.Files != 0 || e.cloud.Requests("CopyObject") > int64(spec.withDefaults().Limits.Parallelism) {
		t.Fatalf("kept copying after a fatal error: %d CopyObject", e.cloud.Requests("CopyObject"))
	}

	t.Run("bad credentials", func(t *testing.T) {
		src := e.loc("src", "fa/", alice)
		src.Credentials.AccessKeySecret = "wrong"
		_, err := e.engine().Run(t.Context(), e.spec("badcreds", src, e.loc("dst", "fa/", alice)))
		if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
			t.Fatalf("err %v", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Fatalf("error leaks the secret: %v", err)
		}
	})
}
