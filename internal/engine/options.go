package engine

import (
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// Clock is the engine's source of time, injected so that tests control
// schedules, rate limits and backoff.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure an Engine. Every zero value means the documented default.
type Options struct {
	// Logger receives progress (INFO) and per-object detail (DEBUG); never
	// secrets. Default: a null logger.
	Logger hclog.Logger
	// Clock; default: the wall clock.
	Clock Clock
	// Open opens buckets; default: ossstore.Open (Alibaba Cloud OSS).
	Open storage.Opener

	// MaxAttempts per request for retryable errors; default 8.
	MaxAttempts int
	// RetryBaseDelay is the first backoff; it doubles up to RetryMaxDelay,
	// with full jitter. Defaults 100 ms and 10 s.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// ObjectAttempts is how often a whole object copy is retried after a
	// verification failure (corrupted data); default 3.
	ObjectAttempts int

	// ProgressInterval between progress log lines and summary.json
	// rewrites; default 5 s.
	ProgressInterval time.Duration
	// ReportChunkRows is the number of rows per CSV chunk; default 10000.
	ReportChunkRows int
	// PlanKeys is how many keys to copy a plan lists; default 20.
	PlanKeys int
	// ResultKeys bounds the migrated and failed key lists in a Result;
	// default 1000.
	ResultKeys int
	// ListParallelism is how many key ranges of one bucket are listed at
	// once when a listing is split; default 4. 1 disables splitting.
	ListParallelism int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Open == nil {
		o.Open = ossstore.Open
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = 100 * time.Millisecond
	}
	if o.RetryMaxDelay <= 0 {
		o.RetryMaxDelay = 10 * time.Second
	}
	if o.ObjectAttempts <= 0 {
		o.ObjectAttempts = 3
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 5 * time.Second
	}
	if o.ReportChunkRows <= 0 {
		o.ReportChunkRows = 10000
	}
	if o.PlanKeys <= 0 {
		o.PlanKeys = 20
	}
	if o.ResultKeys <= 0 {
		o.ResultKeys = 1000
	}
	if o.ListParallelism <= 0 {
		o.ListParallelism = 4
	}
	return o
}

// Engine runs migrations with fixed options.
type Engine struct {
	opts Options
}

// New returns an Engine.
func New(opts Options) *Engine { return &Engine{opts: opts.withDefaults()} }
