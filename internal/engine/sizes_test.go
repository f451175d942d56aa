package engine

import (
	"fmt"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// TestSizesAndPartBoundaries copies objects around the multipart threshold
// and part boundaries, server-side and streamed, and checks every byte and
// the number of parts used.
func TestSizesAndPartBoundaries(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	const part = 100 << 10
	const threshold = 200 << 10
	sizes := map[string]int{
		"zero": 0, "one": 1, "below-threshold": threshold - 1,
		"exactly-threshold": threshold, "threshold+1": threshold + 1,
		"three-parts-minus-1": 3*part - 1, "three-parts": 3 * part, "three-parts+1": 3*part + 1,
	}
	for name, size := range sizes {
		e.put("src", ossemu.ObjectSpec{Key: "sz/" + name, Data: content(name, size)})
	}
	for _, tc := range []struct {
		method   CopyMethod
		dst      string
		partOp   string
		singleOp string
	}{
		{CopyServerSide, "dst", "UploadPartCopy", "CopyObject"},
		{CopyStream, "dst", "UploadPart", "PutObject"},
		{CopyAuto, "dst-sh", "UploadPart", "PutObject"}, // cross-region: streamed
	} {
		t.Run(string(tc.method)+"-"+tc.dst, func(t *testing.T) {
			e.cloud.ResetStats()
			dst := "sz-" + string(tc.method) + "/"
			spec := e.spec("sz-"+string(tc.method)+tc.dst, e.loc("src", "sz/", alice), e.loc(tc.dst, dst, alice))
			spec.CopyMethod, spec.PartSize, spec.MultipartThreshold = tc.method, part, threshold
			res := e.run(spec)
			wantParts, wantSingles := 0, 0
			for name, size := range sizes {
				rec := e.wantObject(tc.dst, dst+name, content(name, size))
				if rec.CRC64 != crc64ecma.Checksum(content(name, size)) {
					t.Errorf("%s: CRC %d", name, rec.CRC64)
				}
				if size >= threshold {
					wantParts += (size + part - 1) / part
				} else {
					wantSingles++
				}
			}
			st := e.cloud.BucketStats(tc.dst)
			if int(st[tc.partOp].Succeeded) != wantParts || int(st[tc.singleOp].Succeeded) != wantSingles {
				t.Fatalf("%s %d (want %d), %s %d (want %d)", tc.partOp, st[tc.partOp].Succeeded, wantParts, tc.singleOp, st[tc.singleOp].Succeeded, wantSingles)
			}
			if res.Migrated.Files != int64(len(sizes)) || len(e.cloud.Uploads("")) != 0 {
				t.Fatalf("migrated %d, unfinished uploads %v", res.Migrated.Files, e.cloud.Uploads(""))
			}
		})
	}
}

// TestPartSizeGrowsPastMaxParts copies an object that needs more than
// 10,000 parts of the configured size: the part size grows.
func TestPartSizeGrowsPastMaxParts(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("copies 1 GiB; skipped in -short and -race runs")
	}
	e := newEnv(t, ossemu.Config{})
	size := MaxParts*MinPartSize + 12345
	data := content("huge", size)
	e.put("src", ossemu.ObjectSpec{Key: "huge/obj", Data: data})
	spec := e.spec("huge", e.loc("src", "huge/", alice), e.loc("dst", "huge-out/", alice))
	spec.PartSize, spec.CopyMethod = MinPartSize, CopyServerSide
	e.run(spec)
	e.wantObject("dst", "huge-out/obj", data)
	ps := partSize(int64(size), MinPartSize)
	parts := e.cloud.Requests("UploadPartCopy")
	if ps <= MinPartSize || parts > MaxParts || parts != (int64(size)+ps-1)/ps {
		t.Fatalf("part size %d, %d parts", ps, parts)
	}
}

func TestKeysWithSpecialCharacters(t *testing.T) {
	e := newEnv(t, ossemu.Config{})
	keys := []string{"a b", "ü/ñ/日本語.txt", "100%", "50%25", "a+b", "plus+/x", "line\nbreak", "tab\there", "quote\"'", "comma,semi;", "..", "a//b", "~tilde", "q?x=1&y=2", "#hash"}
	for i, k := range keys {
		e.put("src", ossemu.ObjectSpec{Key: "sp/" + k, Data: content(k, 100+i)})
	}
	for _, method := range []CopyMethod{CopyServerSide, CopyStream} {
		t.Run(string(method), func(t *testing.T) {
			dst := "sp-" + string(method) + "/"
			spec := e.spec("sp-"+string(method), e.loc("src", "sp/", alice), e.loc("dst", dst, alice))
			spec.CopyMethod = method
			res := e.run(spec)
			for i, k := range keys {
				e.wantObject("dst", dst+k, content(k, 100+i))
			}
			completed := e.rows(res, spec, report.ListCompleted)
			if len(completed) != len(keys) {
				t.Fatalf("%d completed rows", len(completed))
			}
			seen := map[string]bool{}
			for _, r := range completed {
				seen[r.SourceKey] = true
				if r.DestinationKey != dst+r.SourceKey[len("sp/"):] {
					t.Errorf("row %q -> %q", r.SourceKey, r.DestinationKey)
				}
			}
			for _, k := range keys {
				if !seen["sp/"+k] {
					t.Errorf("no completed row for %q", k)
				}
			}
		})
	}
}

var _ = fmt.Sprint
