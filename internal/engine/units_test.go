package engine

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// fakeClock advances only when told to; After channels fire when the time
// they wait for is reached.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	return ch
}

// pending returns the earliest time a waiter waits for.
func (c *fakeClock) pending() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.waiters) == 0 {
		return time.Time{}, false
	}
	first := c.waiters[0].at
	for _, w := range c.waiters {
		if w.at.Before(first) {
			first = w.at
		}
	}
	return first, true
}

func (c *fakeClock) advanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

func TestAdaptivePoolHalvesOnThrottleAndGrowsBack(t *testing.T) {
	p := newAdaptivePool(16)
	p.throttled()
	p.throttled()
	if got := p.currentLimit(); got != 4 {
		t.Fatalf("after two throttles: %d, want 4", got)
	}
	for range 4 {
		p.success()
	}
	if got := p.currentLimit(); got != 5 {
		t.Fatalf("after 4 successes at limit 4: %d, want 5", got)
	}
	for range 1000 {
		p.success()
	}
	if got := p.currentLimit(); got != 16 {
		t.Fatalf("limit grew to %d, want the maximum 16", got)
	}
	for range 10 {
		p.throttled()
	}
	if got := p.currentLimit(); got != 1 {
		t.Fatalf("limit %d, never below 1", got)
	}
	// acquire blocks at the limit and honours cancellation.
	if err := p.acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- p.acquire(ctx) }()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("blocked acquire returned %v", err)
	}
	p.release()
}

// TestThrottleScheduleWindows drives the bandwidth limiter through a day
// with a fake clock: the rate in force follows the schedule windows.
func TestThrottleScheduleWindows(t *testing.T) {
	shanghai := time.FixedZone("UTC+8", 8*3600)
	l := Limits{BytesPerSecond: 1 << 20, TimeZone: shanghai, Schedule: []Window{
		{Start: 9 * 60, End: 18 * 60, BytesPerSecond: 100 << 10}, // office hours: slow
		{Start: 22 * 60, End: 6 * 60, BytesPerSecond: 0},         // night, across midnight: unlimited
	}}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, shanghai)
	th := newThrottle(&fakeClock{now: day}, l)
	for _, tc := range []struct {
		at   string
		want int64
	}{{"08:59", 1 << 20}, {"09:00", 100 << 10}, {"17:59", 100 << 10}, {"18:00", 1 << 20}, {"22:00", 0}, {"23:59", 0}, {"00:30", 0}, {"06:00", 1 << 20}} {
		m, err := ParseTimeOfDay(tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := th.bytesPerSecond(day.Add(time.Duration(m) * time.Minute)); got != tc.want {
			t.Errorf("%s: %d B/s, want %d", tc.at, got, tc.want)
		}
	}
	// Moving 1 MiB at 100 KiB/s takes about ten seconds of (fake) time.
	clk := &fakeClock{now: day.Add(10 * time.Hour)}
	th = newThrottle(clk, l)
	done := make(chan error)
	go func() { done <- th.waitBytes(t.Context(), 1<<20+bytesBurst) }()
	start := clk.Now()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if waited := clk.Now().Sub(start); waited < 9*time.Second || waited > 11*time.Second {
				t.Fatalf("1 MiB at 100 KiB/s took %v of clock time", waited)
			}
			return
		default:
		}
		if at, ok := clk.pending(); ok {
			clk.advanceTo(at)
		} else {
			// The waiter has not registered yet; let it run.
			runtime.Gosched()
		}
	}
}

func TestScheduleValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		l    Limits
		want string
	}{
		"overlap":         {Limits{Schedule: []Window{{Start: 60, End: 120}, {Start: 90, End: 200}}}, "limits.schedule[1] overlaps limits.schedule[0]"},
		"wrap overlap":    {Limits{Schedule: []Window{{Start: 23 * 60, End: 60}, {Start: 30, End: 90}}}, "overlaps"},
		"empty window":    {Limits{Schedule: []Window{{Start: 60, End: 60}}}, "start and end must be different"},
		"negative rate":   {Limits{BytesPerSecond: -1}, "limits.max_bytes_per_second -1"},
		"too parallel":    {Limits{Parallelism: 5000}, "limits.parallelism 5000"},
		"negative window": {Limits{Schedule: []Window{{Start: 0, End: 60, BytesPerSecond: -5}}}, "schedule[0].max_bytes_per_second"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.l.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	for _, bad := range []string{"9:00", "25:00", "24:01", "12:60", "ab:cd", ""} {
		if _, err := ParseTimeOfDay(bad); err == nil {
			t.Errorf("ParseTimeOfDay(%q) accepted", bad)
		}
	}
	if m, err := ParseTimeOfDay("24:00"); err != nil || m != 1440 {
		t.Errorf("24:00 = %d, %v", m, err)
	}
}

func TestPartSizeGrowth(t *testing.T) {
	for _, tc := range []struct{ size, configured, want int64 }{
		{100 << 20, 16 << 20, 16 << 20},
		{MaxParts * (16 << 20), 16 << 20, 16 << 20},
		{MaxParts*(16<<20) + 1, 16 << 20, 17 << 20},
		{5 << 40, 16 << 20, 525 << 20},
	} {
		got := partSize(tc.size, tc.configured)
		if got != tc.want || (tc.size+got-1)/got > MaxParts {
			t.Errorf("partSize(%d, %d) = %d, want %d", tc.size, tc.configured, got, tc.want)
		}
	}
}

func TestIdentical(t *testing.T) {
	src := storage.Object{Size: 10, ETag: "ABC", LastModified: t0}
	for _, tc := range []struct {
		name string
		dst  storage.Object
		want bool
	}{
		{"same etag", storage.Object{Size: 10, ETag: `"abc"`, LastModified: t0.Add(-time.Hour)}, true},
		{"other etag", storage.Object{Size: 10, ETag: "DEF", LastModified: t0.Add(time.Hour)}, false},
		{"other size", storage.Object{Size: 11, ETag: "ABC", LastModified: t0}, false},
		{"multipart copy written later", storage.Object{Size: 10, ETag: "XYZ-3", LastModified: t0.Add(time.Second)}, true},
		{"multipart copy written earlier", storage.Object{Size: 10, ETag: "XYZ-3", LastModified: t0.Add(-time.Second)}, false},
		// A fresh source and its copy usually share their second.
		{"multipart copy written in the same second", storage.Object{Size: 10, ETag: "XYZ-3", LastModified: t0}, true},
		{"content MD5s differ in the same second", storage.Object{Size: 10, ETag: "DEF", LastModified: t0}, false},
	} {
		if got := identical(src, tc.dst); got != tc.want {
			t.Errorf("%s: identical = %v", tc.name, got)
		}
	}
}

func TestSpecValidation(t *testing.T) {
	good := Spec{Name: "job", Source: Location{Endpoint: storage.Endpoint{Region: "cn-hangzhou", Bucket: "src-bucket"}},
		Destination: Location{Endpoint: storage.Endpoint{Region: "cn-shanghai", Bucket: "dst-bucket"}}}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid spec refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(*Spec)
		want   string
	}{
		"bucket":       {func(s *Spec) { s.Source.Bucket = "Bad_Bucket" }, "source.bucket"},
		"short bucket": {func(s *Spec) { s.Destination.Bucket = "ab" }, "destination.bucket"},
		"prefix slash": {func(s *Spec) { s.Source.Prefix = "/logs" }, "source.prefix"},
		"region":       {func(s *Spec) { s.Destination.Region = "mars-1" }, `destination.region "mars-1": unknown OSS region`},
		"overlap": {func(s *Spec) {
			s.Destination.Bucket = "src-bucket"
			s.Destination.Prefix = "a/b"
			s.Source.Prefix = "a"
		}, "overlap"},
		"same prefix":   {func(s *Spec) { s.Destination.Bucket = "src-bucket" }, "overlap"},
		"cross country": {func(s *Spec) { s.Destination.Region = "us-west-1" }, "allow_cross_country"},
		"hong kong":     {func(s *Spec) { s.Destination.Region = "cn-hongkong" }, "allow_cross_country"},
		"overwrite":     {func(s *Spec) { s.Overwrite = "sometimes" }, "overwrite \"sometimes\": must be one of if_newer, never, always"},
		"verify":        {func(s *Spec) { s.Verify = "md5" }, "verify"},
		"copy method":   {func(s *Spec) { s.CopyMethod = "magic" }, "copy_method"},
		"class":         {func(s *Spec) { s.StorageClass = "Glacier" }, "destination.storage_class"},
		"glob":          {func(s *Spec) { s.Filter.Include = []string{"a[b"} }, "filter.include[0]"},
		"times":         {func(s *Spec) { s.Filter.ModifiedAfter = t0; s.Filter.ModifiedBefore = t0 }, "filter.modified_before"},
		"sizes":         {func(s *Spec) { s.Filter.MinSize = 10; s.Filter.MaxSize = 5 }, "filter.max_size"},
		"part size":     {func(s *Spec) { s.PartSize = 1000 }, "part_size"},
		"name":          {func(s *Spec) { s.Name = "a/b" }, "name"},
		"max failed":    {func(s *Spec) { s.MaxFailedFiles = -1 }, "max_failed_files"},
	} {
		t.Run(name, func(t *testing.T) {
			s := good
			s.Filter = Filter{}
			tc.mutate(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to mention %q", err, tc.want)
			}
		})
	}
	allowed := good
	allowed.Destination.Region, allowed.AllowCrossCountry = "us-west-1", true
	if err := allowed.Validate(); err != nil {
		t.Fatalf("allow_cross_country ignored: %v", err)
	}
	if again := good; good.Digest() == allowed.Digest() || good.Digest() != again.Digest() {
		t.Fatal("digest does not follow the spec")
	}
	withKeys := good
	withKeys.Source.Credentials = storage.Credentials{AccessKeyID: "AK", AccessKeySecret: "SECRET"}
	if withKeys.Digest() != good.Digest() {
		t.Fatal("digest depends on secrets")
	}
}

// TestThrottleFilesPerSecond: at 2 files per second, starting 5 files takes
// two seconds of (fake) clock time after the first.
func TestThrottleFilesPerSecond(t *testing.T) {
	start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	clk := &fakeClock{now: start}
	th := newThrottle(clk, Limits{FilesPerSecond: 2, TimeZone: time.UTC})
	done := make(chan error)
	go func() {
		for range 5 {
			if err := th.waitFile(t.Context()); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if waited := clk.Now().Sub(start); waited != 2*time.Second {
				t.Fatalf("5 files at 2/s took %v of clock time, want 2s", waited)
			}
			return
		default:
		}
		if at, ok := clk.pending(); ok {
			clk.advanceTo(at)
		} else {
			runtime.Gosched()
		}
	}
}
