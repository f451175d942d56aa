package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// The planner's microbenchmarks: listing pages in, decisions out, with the
// store replaced by sorted slices in memory, so that what is measured is the
// engine's own per-object work (lister pages, merge-join, decide), which
// every run and dry run does for every object. `make bench` runs them with
// -benchmem; the end-to-end figures are cmd/ossbench's.

// listBucket is a storage.Bucket whose List serves a sorted slice of
// objects in pages, with prefixes, delimiters, StartAfter and continuation
// tokens (the token is the index to go on from). Nothing else is
// implemented.
type listBucket struct {
	storage.Bucket
	name  string
	objs  []storage.Object // sorted by key
	lists atomic.Int64
}

func (b *listBucket) Name() string   { return b.name }
func (b *listBucket) Region() string { return hz }

func (b *listBucket) List(_ context.Context, o storage.ListOptions) (storage.ListPage, error) {
	b.lists.Add(1)
	maxKeys := o.MaxKeys
	if maxKeys <= 0 {
		maxKeys = 1000
	}
	start := sort.Search(len(b.objs), func(i int) bool { return b.objs[i].Key >= o.Prefix })
	if o.StartAfter != "" {
		start = max(start, sort.Search(len(b.objs), func(i int) bool { return b.objs[i].Key > o.StartAfter }))
	}
	if o.ContinuationToken != "" {
		i, err := strconv.Atoi(o.ContinuationToken)
		if err != nil {
			return storage.ListPage{}, err
		}
		start = i
	}
	var page storage.ListPage
	i := start
	for i < len(b.objs) && len(page.Objects)+len(page.CommonPrefixes) < maxKeys {
		o2 := b.objs[i]
		if !strings.HasPrefix(o2.Key, o.Prefix) {
			return page, nil
		}
		if o.Delimiter != "" {
			if j := strings.Index(o2.Key[len(o.Prefix):], o.Delimiter); j >= 0 {
				cp := o2.Key[:len(o.Prefix)+j+len(o.Delimiter)]
				page.CommonPrefixes = append(page.CommonPrefixes, cp)
				for i < len(b.objs) && strings.HasPrefix(b.objs[i].Key, cp) {
					i++
				}
				continue
			}
		}
		page.Objects = append(page.Objects, o2)
		i++
	}
	if i < len(b.objs) && strings.HasPrefix(b.objs[i].Key, o.Prefix) {
		page.NextToken = strconv.Itoa(i)
	}
	return page, nil
}

// benchObjects are n objects under prefix, spread over 100 "directories"
// (so that the lister splits the listing as it would a real bucket's).
func benchObjects(prefix string, n int) []storage.Object {
	objs := make([]storage.Object, n)
	lm := time.Date(2026, 11, 25, 3, 15, 0, 0, time.UTC)
	for i := range objs {
		objs[i] = storage.Object{
			Key:  fmt.Sprintf("%sd%03d/part-%09d.bin", prefix, i%100, i),
			Size: 4096, ETag: "5B3C1A2E053D763E1B002CC607C5A0FE", LastModified: lm, StorageClass: "Standard",
		}
	}
	sort.Slice(objs, func(a, b int) bool { return objs[a].Key < objs[b].Key })
	return objs
}

// BenchmarkPlannerMerge lists a source of 10,000 objects and a destination
// and merge-joins them into decisions (what a dry run does), against a
// destination that is empty (everything is copied), full (an incremental
// no-op) or holding every other object. One op is the whole plan; ns/object
// and allocs/object are per source object.
func BenchmarkPlannerMerge(b *testing.B) {
	const n = 10000
	src := benchObjects("src/", n)
	full := benchObjects("dst/", n)
	var half []storage.Object
	for i, o := range full {
		if i%2 == 0 {
			half = append(half, o)
		}
	}
	for _, tc := range []struct {
		name string
		dst  []storage.Object
	}{{"empty", nil}, {"full", full}, {"half", half}} {
		b.Run("destination="+tc.name, func(b *testing.B) {
			spec := Spec{Source: Location{Prefix: "src/"}, Destination: Location{Prefix: "dst/"}}.withDefaults()
			m, err := newMatcher(spec.Filter)
			if err != nil {
				b.Fatal(err)
			}
			retry := &retrier{clock: realClock{}, attempts: 1, base: time.Millisecond, limit: time.Millisecond}
			var requests atomic.Int64
			mk := func(bk *listBucket, prefix string) *lister {
				return &lister{b: bk, prefix: prefix, parallel: 4, retry: retry.do, requests: &requests}
			}
			srcB := &listBucket{name: "src", objs: src}
			dstB := &listBucket{name: "dst", objs: tc.dst}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			var copies int
			for range b.N {
				p := &planner{spec: &spec, m: m, src: mk(srcB, "src/"), dst: mk(dstB, "dst/")}
				copies = 0
				err := p.run(ctx, func(d decision) error {
					if d.act == actCopy {
						copies++
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if want := n - len(tc.dst); copies != want {
				b.Fatalf("%d copies, want %d", copies, want)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
			b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
				p := &planner{spec: &spec, m: m, src: mk(srcB, "src/"), dst: mk(dstB, "dst/")}
				_ = p.run(ctx, func(decision) error { return nil })
			}))/n, "allocs/object")
		})
	}
}

// BenchmarkDecide is one object's verdict, the merge-join's inner step,
// for an object the destination lacks and one it holds already.
func BenchmarkDecide(b *testing.B) {
	spec := Spec{Source: Location{Prefix: "src/"}, Destination: Location{Prefix: "dst/"}}.withDefaults()
	m, err := newMatcher(spec.Filter)
	if err != nil {
		b.Fatal(err)
	}
	o := benchObjects("src/", 1)[0]
	rel := strings.TrimPrefix(o.Key, "src/")
	dst := o
	dst.Key = "dst/" + rel
	for _, tc := range []struct {
		name string
		dst  *storage.Object
	}{{"missing", nil}, {"identical", &dst}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = decide(&spec, m, o, rel, tc.dst)
			}
		})
	}
}
