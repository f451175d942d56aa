package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestOverwriteModes(t *testing.T) {
	checkNoLeak(t)
	e := newEnv(t, ossemu.Config{})
	srcData := content("src", 5000)
	other := content("other", 3000)
	type destState struct {
		name string
		data []byte
		lm   time.Time
	}
	states := []destState{
		{"missing", nil, time.Time{}},
		{"older", other, t0.Add(-time.Hour)},
		{"newer", other, t0.Add(time.Hour)},
		{"equal", srcData, t0.Add(time.Hour)},
		// Rewritten in the second it was copied (or copied in the second
		// it was written): the times are equal, the bytes are not.
		{"same-second", other, t0},
		{"same-second-equal", srcData, t0},
	}
	want := map[OverwriteMode]map[string]bool{
		OverwriteNever:   {"missing": true, "older": false, "newer": false, "equal": false, "same-second": false, "same-second-equal": false},
		OverwriteIfNewer: {"missing": true, "older": true, "newer": false, "equal": false, "same-second": true, "same-second-equal": false},
		OverwriteAlways:  {"missing": true, "older": true, "newer": true, "equal": false, "same-second": true, "same-second-equal": false},
	}
	for _, method := range []CopyMethod{CopyServerSide, CopyStream} {
		for _, mode := range OverwriteModes {
			for _, st := range states {
				name := fmt.Sprintf("%s/%s/%s", method, mode, st.name)
				t.Run(name, func(t *testing.T) {
					srcPrefix := "ow/" + name + "/"
					dstPrefix := "out/" + name + "/"
					e.put("src", ossemu.ObjectSpec{Key: srcPrefix + "k", Data: srcData, LastModified: t0})
					if st.data != nil {
						e.put("dst", ossemu.ObjectSpec{Key: dstPrefix + "k", Data: st.data, LastModified: st.lm})
					}
					spec := e.spec(strings.ReplaceAll(name, "/", "-"), e.loc("src", srcPrefix, alice), e.loc("dst", dstPrefix, alice))
					spec.Overwrite, spec.CopyMethod = mode, method
					spec.Report = ReportSpec{} // in the destination: must not be listed as data
					res := e.run(spec)
					copied := want[mode][st.name]
					if res.Status != report.StatusFinished || res.Total.Files != 1 {
						t.Fatalf("status %s, total %d", res.Status, res.Total.Files)
					}
					if copied {
						e.wantObject("dst", dstPrefix+"k", srcData)
						if res.Migrated.Files != 1 || res.Skipped.Files != 0 || res.MigratedKeys[0] != srcPrefix+"k" {
							t.Fatalf("migrated %+v skipped %+v keys %v", res.Migrated, res.Skipped, res.MigratedKeys)
						}
						if string(method) != res.CopyMethod {
							t.Fatalf("copy method used %q, want %q", res.CopyMethod, method)
						}
					} else {
						e.wantObject("dst", dstPrefix+"k", st.data)
						skipped := e.rows(res, spec, report.ListSkipped)
						if res.Migrated.Files != 0 || len(skipped) != 1 || !strings.HasPrefix(skipped[0].Reason, "exists:") {
							t.Fatalf("migrated %+v, skipped rows %+v", res.Migrated, skipped)
						}
					}
					// Whatever happened, the next plan has nothing to do
					// unless the mode would copy again.
					plan, err := e.engine().Plan(t.Context(), spec)
					if err != nil {
						t.Fatal(err)
					}
					if plan.CopyFiles != 0 {
						t.Fatalf("plan after run copies %d files (%v)", plan.CopyFiles, plan.FirstKeys)
					}
				})
			}
		}
	}
}

func TestFilters(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	objs := map[string]struct {
		size int
		lm   time.Time
	}{
		"a.txt":              {10, t0},
		"a.log":              {10, t0},
		"dir/b.txt":          {10, t0},
		"dir/sub/c.txt":      {10, t0},
		"dir/sub/big.txt":    {5000, t0},
		"old.txt":            {10, t0.Add(-48 * time.Hour)},
		"new.txt":            {10, t0.Add(48 * time.Hour)},
		"edge-after.txt":     {10, t0.Add(-24 * time.Hour)},
		"empty.txt":          {0, t0},
		"[x].txt":            {10, t0},
		"tmp/skip.txt":       {10, t0},
		"dir/tmp/notskip.md": {10, t0},
	}
	for k, o := range objs {
		e.put("src", ossemu.ObjectSpec{Key: "f/" + k, Data: content(k, o.size), LastModified: o.lm})
	}
	cases := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"star does not cross slash", Filter{Include: []string{"*.txt"}}, []string{"[x].txt", "a.txt", "edge-after.txt", "empty.txt", "new.txt", "old.txt"}},
		{"double star crosses", Filter{Include: []string{"dir/**"}}, []string{"dir/b.txt", "dir/sub/big.txt", "dir/sub/c.txt", "dir/tmp/notskip.md"}},
		{"leading double star matches top level too", Filter{Include: []string{"**/c.txt", "**/a.txt"}}, []string{"a.txt", "dir/sub/c.txt"}},
		{"exclude wins", Filter{Include: []string{"**.txt"}, Exclude: []string{"tmp/**", "dir/sub/*"}}, []string{"[x].txt", "a.txt", "dir/b.txt", "edge-after.txt", "empty.txt", "new.txt", "old.txt"}},
		{"character class", Filter{Include: []string{"[!ad]*.txt"}}, []string{"[x].txt", "edge-after.txt", "empty.txt", "new.txt", "old.txt"}},
		{"escaped bracket literal via class", Filter{Include: []string{"[[]x].txt"}}, []string{"[x].txt"}},
		{"modified after is exclusive", Filter{ModifiedAfter: t0.Add(-24 * time.Hour), Include: []string{"*.txt"}}, []string{"[x].txt", "a.txt", "empty.txt", "new.txt"}},
		{"modified before", Filter{ModifiedBefore: t0, Include: []string{"*"}}, []string{"edge-after.txt", "old.txt"}},
		{"sizes inclusive", Filter{MinSize: 10, MaxSize: 10, Include: []string{"dir/**"}}, []string{"dir/b.txt", "dir/sub/c.txt", "dir/tmp/notskip.md"}},
		{"min size excludes empty", Filter{MinSize: 1, Include: []string{"e*"}}, []string{"edge-after.txt"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dstPrefix := fmt.Sprintf("filters/%d/", i)
			spec := e.spec(fmt.Sprintf("filter-%d", i), e.loc("src", "f/", alice), e.loc("dst", dstPrefix, alice))
			spec.Filter = tc.filter
			res := e.run(spec)
			got, err := e.cloud.Keys("dst", dstPrefix)
			if err != nil {
				t.Fatal(err)
			}
			for j := range got {
				got[j] = strings.TrimPrefix(got[j], dstPrefix)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("copied %q\nwant   %q", got, tc.want)
			}
			for _, k := range got {
				e.wantObject("dst", dstPrefix+k, content(k, objs[k].size))
			}
			skipped := e.rows(res, spec, report.ListSkipped)
			if int64(len(skipped)) != res.Skipped.Files || len(skipped) != len(objs)-len(tc.want) {
				t.Fatalf("skipped rows %d, result %d, want %d", len(skipped), res.Skipped.Files, len(objs)-len(tc.want))
			}
			for _, r := range skipped {
				if !strings.HasPrefix(r.Reason, "filtered: ") {
					t.Fatalf("skip reason %q", r.Reason)
				}
			}
		})
	}
}

func TestArchivedObjectsAreSkippedWithReason(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	e.put("src", ossemu.ObjectSpec{Key: "ar/hot.txt", Data: []byte("hot")})
	for _, class := range []string{"Archive", "ColdArchive", "DeepColdArchive"} {
		e.put("src", ossemu.ObjectSpec{Key: "ar/" + class + ".bin", Data: []byte(class), StorageClass: class})
	}
	spec := e.spec("archive", e.loc("src", "ar/", alice), e.loc("dst", "ar-out/", alice))
	res := e.run(spec)
	e.wantObject("dst", "ar-out/hot.txt", []byte("hot"))
	for _, class := range []string{"Archive", "ColdArchive", "DeepColdArchive"} {
		e.wantAbsent("dst", "ar-out/"+class+".bin")
	}
	if res.Migrated.Files != 1 || res.Skipped.Files != 3 || len(res.SkippedArchived) != 3 {
		t.Fatalf("result %+v", res)
	}
	for _, r := range e.rows(res, spec, report.ListSkipped) {
		class := strings.TrimSuffix(strings.TrimPrefix(r.SourceKey, "ar/"), ".bin")
		if r.Reason != fmt.Sprintf(reasonArchived, class) {
			t.Fatalf("%s: reason %q", r.SourceKey, r.Reason)
		}
	}
}

func TestMetadataAndTagsPreserved(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	headers := map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "Content-Disposition": `attachment; filename="r.html"`,
		"Cache-Control": "max-age=60", "Expires": "Wed, 21 Oct 2026 07:28:00 GMT",
	}
	meta := map[string]string{"author": "alice", "project": "x y"}
	tags := map[string]string{"team": "data", "env": "prod"}
	gz := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3}
	e.put("src", ossemu.ObjectSpec{Key: "md/small.html", Data: gz, Headers: headers, Meta: meta, Tags: tags, StorageClass: "IA"})
	big := content("big", 300<<10)
	e.put("src", ossemu.ObjectSpec{Key: "md/big.html", Data: big, Headers: headers, Meta: meta, Tags: tags})
	for _, method := range []CopyMethod{CopyServerSide, CopyStream} {
		t.Run(string(method), func(t *testing.T) {
			dst := "md-" + string(method) + "/"
			spec := e.spec("md-"+string(method), e.loc("src", "md/", alice), e.loc("dst", dst, alice))
			spec.CopyMethod = method
			spec.MultipartThreshold = 200 << 10
			spec.PartSize = 100 << 10
			e.run(spec)
			for key, data := range map[string][]byte{"small.html": gz, "big.html": big} {
				rec := e.wantObject("dst", dst+key, data)
				for h, v := range headers {
					if rec.Headers[h] != v {
						t.Errorf("%s: %s = %q, want %q", key, h, rec.Headers[h], v)
					}
				}
				if fmt.Sprint(rec.UserMeta) != fmt.Sprint(meta) || fmt.Sprint(rec.Tags) != fmt.Sprint(tags) {
					t.Errorf("%s: meta %v tags %v", key, rec.UserMeta, rec.Tags)
				}
				src, _, _ := e.cloud.Object("src", "md/"+key)
				if rec.StorageClass != src.StorageClass || rec.CRC64 != src.CRC64 {
					t.Errorf("%s: class %s crc %d, source %s %d", key, rec.StorageClass, rec.CRC64, src.StorageClass, src.CRC64)
				}
			}
		})
	}
	t.Run("storage class override", func(t *testing.T) {
		spec := e.spec("md-class", e.loc("src", "md/", alice), e.loc("dst", "md-class/", alice))
		spec.StorageClass = "IA"
		e.run(spec)
		rec := e.wantObject("dst", "md-class/big.html", big)
		if rec.StorageClass != "IA" {
			t.Fatalf("class %s", rec.StorageClass)
		}
	})
}

func TestCrossRegionStreams(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	for i := range 5 {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("xr/%d", i), Data: content(fmt.Sprint(i), 1000*i)})
	}
	e.cloud.ResetStats()
	spec := e.spec("xr", e.loc("src", "xr/", alice), e.loc("dst-sh", "", alice))
	res := e.run(spec)
	for i := range 5 {
		e.wantObject("dst-sh", fmt.Sprint(i), content(fmt.Sprint(i), 1000*i))
	}
	if res.CopyMethod != "stream" || e.cloud.Requests("CopyObject") != 0 || e.cloud.Requests("GetObject") != 5 {
		t.Fatalf("method %s, CopyObject %d, GetObject %d", res.CopyMethod, e.cloud.Requests("CopyObject"), e.cloud.Requests("GetObject"))
	}
	t.Run("cross-country refused", func(t *testing.T) {
		spec := e.spec("xc", e.loc("src", "xr/", alice), e.loc("dst-sg", "", alice))
		_, err := e.engine().Run(t.Context(), spec)
		if err == nil || !strings.Contains(err.Error(), "allow_cross_country") {
			t.Fatalf("err %v", err)
		}
		spec.AllowCrossCountry = true
		e.run(spec)
		e.wantObject("dst-sg", "4", content("4", 4000))
	})
}

func TestCrossAccountFallsBackToStreaming(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	for i := range 4 {
		e.put("src", ossemu.ObjectSpec{Key: fmt.Sprintf("ca/%d", i), Data: content(fmt.Sprint(i), 2000)})
	}
	e.cloud.ResetStats()
	spec := e.spec("ca", e.loc("src", "ca/", alice), e.loc("bob-dst", "", bob))
	spec.Limits.Parallelism = 1
	res := e.run(spec)
	for i := range 4 {
		e.wantObject("bob-dst", fmt.Sprint(i), content(fmt.Sprint(i), 2000))
	}
	// One denied CopyObject, then streaming for the rest of the run.
	if res.CopyMethod != "stream" || e.cloud.Requests("CopyObject") != 1 || e.cloud.Succeeded("PutObject") < 4 {
		t.Fatalf("method %s, CopyObject %d, PutObject %d", res.CopyMethod, e.cloud.Requests("CopyObject"), e.cloud.Succeeded("PutObject"))
	}
	t.Run("server_side only fails the objects", func(t *testing.T) {
		spec := e.spec("ca-ss", e.loc("src", "ca/", alice), e.loc("bob-dst", "ss/", bob))
		spec.CopyMethod = CopyServerSide
		spec.MaxFailedFiles = 10
		res := e.run(spec)
		if res.Failed.Files != 4 || res.Status != report.StatusFinished || !strings.Contains(res.FailedFiles[0].Error, "AccessDenied") {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("granted read copies server-side", func(t *testing.T) {
		if err := e.cloud.Grant("src", bob, ossemu.PermRead); err != nil {
			t.Fatal(err)
		}
		spec := e.spec("ca-grant", e.loc("src", "ca/", alice), e.loc("bob-dst", "granted/", bob))
		res := e.run(spec)
		if res.CopyMethod != "server_side" || res.Migrated.Files != 4 {
			t.Fatalf("result %+v", res)
		}
	})
}
