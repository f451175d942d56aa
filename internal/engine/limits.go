package engine

import (
	"context"
	"io"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// adaptivePool bounds how many objects are copied at once. It starts at the
// configured parallelism, halves when the store throttles (so the whole pool
// slows down, not just the request that was refused) and grows back by one
// after every `limit` successes: additive increase, multiplicative decrease.
type adaptivePool struct {
	mu        sync.Mutex
	cond      *sync.Cond
	max       int
	limit     int
	inFlight  int
	successes int
}

func newAdaptivePool(n int) *adaptivePool {
	p := &adaptivePool{max: n, limit: n}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// acquire waits for a slot; it returns ctx's error if ctx ends first.
func (p *adaptivePool) acquire(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.inFlight >= p.limit {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.cond.Wait()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	p.inFlight++
	return nil
}

func (p *adaptivePool) release() {
	p.mu.Lock()
	p.inFlight--
	p.cond.Signal()
	p.mu.Unlock()
}

func (p *adaptivePool) throttled() {
	p.mu.Lock()
	p.limit = max(1, p.limit/2)
	p.successes = 0
	p.mu.Unlock()
}

func (p *adaptivePool) success() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limit >= p.max {
		return
	}
	p.successes++
	if p.successes >= p.limit {
		p.successes = 0
		p.limit++
		p.cond.Broadcast()
	}
}

// currentLimit is for tests.
func (p *adaptivePool) currentLimit() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit
}

// throttle applies the bytes/s, files/s and schedule limits. Time comes from
// the injected clock: reservations are made at clock.Now() and waited out on
// clock.After, so tests can drive schedules without sleeping.
type throttle struct {
	clock    Clock
	limits   Limits
	mu       sync.Mutex
	bytes    *rate.Limiter // nil: unlimited
	bytesBPS int64
	files    *rate.Limiter
}

// bytesBurst is the most bytes one reservation takes; larger amounts are
// reserved in chunks so a low limit still lets data flow steadily.
const bytesBurst = 256 << 10

func newThrottle(clock Clock, l Limits) *throttle {
	t := &throttle{clock: clock, limits: l}
	if l.FilesPerSecond > 0 {
		t.files = rate.NewLimiter(rate.Limit(l.FilesPerSecond), 1)
	}
	return t
}

// bytesPerSecond returns the bandwidth limit in force at time now.
func (t *throttle) bytesPerSecond(now time.Time) int64 {
	local := now.In(t.limits.TimeZone)
	minute := local.Hour()*60 + local.Minute()
	for _, w := range t.limits.Schedule {
		if w.contains(minute) {
			return w.BytesPerSecond
		}
	}
	return t.limits.BytesPerSecond
}

// bytesLimiter returns the limiter for now, switching rates when a schedule
// window starts or ends.
func (t *throttle) bytesLimiter(now time.Time) *rate.Limiter {
	bps := t.bytesPerSecond(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	if bps != t.bytesBPS {
		t.bytesBPS = bps
		switch {
		case bps <= 0:
			t.bytes = nil
		case t.bytes == nil:
			t.bytes = rate.NewLimiter(rate.Limit(bps), bytesBurst)
		default:
			t.bytes.SetLimitAt(now, rate.Limit(bps))
		}
	}
	return t.bytes
}

func (t *throttle) wait(ctx context.Context, lim *rate.Limiter, n int) error {
	r := lim.ReserveN(t.clock.Now(), n)
	if !r.OK() {
		return nil
	}
	d := r.DelayFrom(t.clock.Now())
	if d <= 0 {
		return nil
	}
	select {
	case <-t.clock.After(d):
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// waitFile takes one token of the files/s limit.
func (t *throttle) waitFile(ctx context.Context) error {
	if t.files == nil {
		return nil
	}
	return t.wait(ctx, t.files, 1)
}

// waitBytes takes n bytes of the bandwidth limit in force.
func (t *throttle) waitBytes(ctx context.Context, n int64) error {
	for n > 0 {
		lim := t.bytesLimiter(t.clock.Now())
		if lim == nil {
			return nil
		}
		chunk := min(n, bytesBurst)
		if err := t.wait(ctx, lim, int(chunk)); err != nil {
			return err
		}
		n -= chunk
	}
	return nil
}

// reader wraps r so that reading it respects the bandwidth limit.
func (t *throttle) reader(ctx context.Context, r io.Reader) io.Reader {
	if t.limits.BytesPerSecond <= 0 && len(t.limits.Schedule) == 0 {
		return r
	}
	return &throttledReader{ctx: ctx, r: r, t: t}
}

type throttledReader struct {
	ctx context.Context
	r   io.Reader
	t   *throttle
}

func (tr *throttledReader) Read(p []byte) (int, error) {
	if len(p) > bytesBurst {
		p = p[:bytesBurst]
	}
	n, err := tr.r.Read(p)
	if n > 0 {
		if werr := tr.t.waitBytes(tr.ctx, int64(n)); werr != nil {
			return n, werr
		}
	}
	return n, err
}
