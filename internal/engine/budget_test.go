package engine

import (
	"fmt"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// listOps are the emulator's listing operations.
func listRequests(st map[string]ossemu.OpStats) int64 {
	return st["ListObjects"].Requests + st["ListObjectsV2"].Requests
}

// TestRequestBudgetSameRegion: 10,000 small objects into an empty bucket in
// the same region cost one CopyObject each, a handful of list requests and
// the report writes, and no HEAD or GET of data. A second run with nothing
// to do lists and writes its report, nothing else.
func TestRequestBudgetSameRegion(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	const n = 10000
	for i := range n {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("budget/d%02d/obj-%05d", i%10, i), Data: []byte(fmt.Sprint(i))})
	}
	spec := e.spec("budget", e.loc("src", "budget/", alice), e.loc("dst", "budget/", alice))
	e.cloud.ResetStats()
	res := e.run(spec)
	if res.Migrated.Files != n {
		t.Fatalf("migrated %d", res.Migrated.Files)
	}
	all := e.cloud.Stats()
	src, dst, rep := e.cloud.BucketStats("src"), e.cloud.BucketStats("dst"), e.cloud.BucketStats("reports")
	lists := listRequests(src) + listRequests(dst)
	t.Logf("first run: CopyObject %d, list %d (src %d, dst %d), report PutObject %d",
		all["CopyObject"].Requests, lists, listRequests(src), listRequests(dst), rep["PutObject"].Requests)
	if all["CopyObject"].Requests > n || all["CopyObject"].Succeeded != n {
		t.Errorf("CopyObject %+v, want %d", all["CopyObject"], n)
	}
	if lists > 25 || lists != res.ListRequests {
		t.Errorf("list requests %d (engine counted %d), want <= 25", lists, res.ListRequests)
	}
	for _, op := range []string{"HeadObject", "GetObject", "GetObjectMeta", "PutObject", "UploadPart", "UploadPartCopy"} {
		if got := src[op].Requests + dst[op].Requests; got != 0 {
			t.Errorf("%s on data buckets: %d, want 0", op, got)
		}
	}
	wantOps := map[string]bool{"CopyObject": true, "ListObjectsV2": true, "PutObject": true}
	for op, st := range all {
		if !wantOps[op] && st.Requests > 0 {
			t.Errorf("unexpected %d %s requests", st.Requests, op)
		}
	}

	e.cloud.ResetStats()
	res = e.run(spec)
	if res.Migrated.Files != 0 || res.Skipped.Files != n {
		t.Fatalf("second run migrated %d, skipped %d", res.Migrated.Files, res.Skipped.Files)
	}
	all = e.cloud.Stats()
	for op, st := range all {
		if op != "ListObjectsV2" && op != "PutObject" {
			t.Errorf("second run: unexpected %d %s requests", st.Requests, op)
		}
	}
	if all["PutObject"].Requests != e.cloud.BucketStats("reports")["PutObject"].Requests {
		t.Errorf("second run wrote outside the report bucket")
	}
	t.Logf("second run: list %d, report PutObject %d", listRequests(all), all["PutObject"].Requests)
}

// TestListingSplitStaysNearMinimalRequests lists 100,000 keys spread over
// 100 directories with splitting on and checks the request count against
// the minimum (one request per 1,000 keys).
func TestListingSplitStaysNearMinimalRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 objects")
	}
	e := newEnv(t, ossemu.Config{})
	const n = 100000
	for i := range n {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("ls/dir-%03d/%06d", i%100, i)})
	}
	for _, par := range []int{1, 4} {
		t.Run(fmt.Sprintf("parallel=%d", par), func(t *testing.T) {
			e.opts.ListParallelism = par
			defer func() { e.opts.ListParallelism = 0 }()
			spec := e.spec("ls", e.loc("src", "ls/", alice), e.loc("dst", "ls/", alice))
			e.cloud.ResetStats()
			plan, err := e.engine().Plan(t.Context(), spec)
			if err != nil {
				t.Fatal(err)
			}
			srcLists := listRequests(e.cloud.BucketStats("src"))
			minimal := int64(n / 1000)
			t.Logf("parallel=%d: %d source list requests, minimal %d (ratio %.2f)", par, srcLists, minimal, float64(srcLists)/float64(minimal))
			if plan.SourceFiles != n || plan.CopyFiles != n {
				t.Fatalf("plan %+v", plan)
			}
			if float64(srcLists) > 1.2*float64(minimal) {
				t.Fatalf("%d list requests, more than 1.2 x %d", srcLists, minimal)
			}
			if par > 1 && srcLists == minimal {
				t.Fatalf("listing was not split")
			}
		})
	}
}

// TestListingFlatKeysDiscoversOnce: a bucket without "directories" is listed
// serially after a single discovery request.
func TestListingFlatKeysDiscoversOnce(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	const n = 20000
	for i := range n {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("flat/%06d", i)})
	}
	spec := e.spec("flat", e.loc("src", "flat/", alice), e.loc("dst", "flat/", alice))
	e.cloud.ResetStats()
	if _, err := e.engine().Plan(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if got := listRequests(e.cloud.BucketStats("src")); got != n/1000+1 {
		t.Fatalf("%d source list requests, want %d pages + 1 discovery", got, n/1000)
	}
}
