package engine

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// Listing tunables. A listing is split only when it has more than
// splitAfterPages pages, and into ranges of about rangeTargetKeys keys, so
// the requests a split adds (discovery plus at most one partial page per
// range boundary) stay near a tenth of the minimal count.
const (
	pageSize        = 1000
	splitAfterPages = 4
	rangeTargetKeys = 10 * pageSize
	maxDiscoverDown = 3
	rangeQueuePages = 4
)

// lister streams a bucket's objects under a prefix in key order, skipping
// keys under an excluded prefix (the job's own reports).
//
// Large listings are split: after a few serial pages, one delimiter listing
// finds the key space's "directories", consecutive ones are grouped into
// ranges of about rangeTargetKeys keys, and up to `parallel` ranges are
// listed at once. Ranges are consumed in order, so the stream stays sorted;
// each range's queue is bounded, so memory stays flat however many objects
// the bucket holds.
type lister struct {
	b        storage.Bucket
	prefix   string
	exclude  string // "" for none
	parallel int
	retry    func(ctx context.Context, what string, fn func(context.Context) error) error
	requests *atomic.Int64
}

// run sends pages of objects to out in key order and closes it. It returns
// the first listing error.
func (l *lister) run(ctx context.Context, out chan<- []storage.Object) error {
	defer close(out)
	token := ""
	var last string
	for page := 0; ; page++ {
		p, err := l.list(ctx, storage.ListOptions{Prefix: l.prefix, ContinuationToken: token, MaxKeys: pageSize})
		if err != nil {
			return err
		}
		if len(p.Objects) > 0 {
			last = p.Objects[len(p.Objects)-1].Key
		}
		if err := l.send(ctx, out, p.Objects, ""); err != nil {
			return err
		}
		if p.NextToken == "" {
			return nil
		}
		token = p.NextToken
		// Discovery is tried once, after splitAfterPages pages.
		if page+1 == splitAfterPages && l.parallel > 1 {
			bounds, err := l.boundaries(ctx, last, page+1)
			if err != nil {
				return err
			}
			if len(bounds) > 0 {
				return l.runRanges(ctx, out, token, bounds)
			}
		}
	}
}

func (l *lister) list(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	var p storage.ListPage
	err := l.retry(ctx, "list "+l.b.Name()+"/"+opts.Prefix, func(ctx context.Context) error {
		l.requests.Add(1)
		var err error
		p, err = l.b.List(ctx, opts)
		return err
	})
	return p, err
}

// send forwards the objects below `end` ("" for no end) that are not
// excluded. The page is the lister's (a List answer or a slice of one), so
// it is cut and filtered in place: a page of kept objects, the usual case,
// goes on without a copy.
func (l *lister) send(ctx context.Context, out chan<- []storage.Object, objs []storage.Object, end string) error {
	if end != "" {
		for i, o := range objs {
			if o.Key >= end {
				objs = objs[:i]
				break
			}
		}
	}
	kept := objs
	if l.exclude != "" {
		kept = objs[:0]
		for _, o := range objs {
			if !strings.HasPrefix(o.Key, l.exclude) {
				kept = append(kept, o)
			}
		}
	}
	if len(kept) == 0 {
		return nil
	}
	select {
	case out <- kept:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// boundaries discovers range starts after `last`: it lists the first level
// of "directories" below the prefix that has more than one, estimates how
// many keys each holds from the pages listed so far, and groups them so that
// each range holds about rangeTargetKeys keys. No boundaries means "keep
// listing serially".
func (l *lister) boundaries(ctx context.Context, last string, pagesDone int) ([]string, error) {
	prefix := l.prefix
	var dirs []string
	for depth := 0; depth < maxDiscoverDown; depth++ {
		p, err := l.list(ctx, storage.ListOptions{Prefix: prefix, Delimiter: "/", MaxKeys: pageSize})
		if err != nil {
			return nil, err
		}
		dirs = p.CommonPrefixes
		if len(dirs) != 1 {
			break
		}
		prefix = dirs[0]
	}
	if len(dirs) < 2 {
		return nil, nil
	}
	// Directories wholly or partly covered by the pages listed so far.
	seen := 0
	for _, d := range dirs {
		if d <= last {
			seen++
		}
	}
	perDir := float64(pagesDone*pageSize) / float64(max(seen, 1))
	group := max(int(float64(rangeTargetKeys)/perDir+0.999), 1)
	var bounds []string
	n := 0
	for _, d := range dirs {
		if d <= last || strings.HasPrefix(last, d) {
			continue
		}
		if n%group == 0 && (l.exclude == "" || !strings.HasPrefix(d, l.exclude)) {
			bounds = append(bounds, d)
		}
		n++
	}
	return bounds, nil
}

// runRanges lists [continuation, bounds[0]), [bounds[0], bounds[1]), ...,
// [bounds[n-1], end) with up to l.parallel listers at once, forwarding pages
// in range order.
func (l *lister) runRanges(ctx context.Context, out chan<- []storage.Object, token string, bounds []string) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Every goroutine started here has ended when runRanges returns.
	defer wg.Wait()
	defer cancel()
	type rangeQueue struct {
		pages chan []storage.Object
		err   chan error
	}
	queues := make([]rangeQueue, len(bounds)+1)
	for i := range queues {
		queues[i] = rangeQueue{pages: make(chan []storage.Object, rangeQueuePages), err: make(chan error, 1)}
	}
	slots := make(chan struct{}, l.parallel)
	// The launcher starts range listers in order as slots free up; a range
	// lister keeps its slot until it has queued its last page, and its
	// queue only drains when the consumer reaches it, so at most
	// l.parallel ranges are ever in flight.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range queues {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < len(queues); j++ {
					queues[j].err <- ctx.Err()
					close(queues[j].pages)
				}
				return
			}
			end := ""
			if i < len(bounds) {
				end = bounds[i]
			}
			opts := storage.ListOptions{Prefix: l.prefix, ContinuationToken: token, MaxKeys: pageSize}
			if i > 0 {
				// Keys >= bounds[i-1]: start after the bound without its
				// trailing '/', which sorts just below it; keys in between
				// belong to the previous range and are dropped below.
				opts = storage.ListOptions{Prefix: l.prefix, StartAfter: strings.TrimSuffix(bounds[i-1], "/"), MaxKeys: pageSize}
			}
			start := ""
			if i > 0 {
				start = bounds[i-1]
			}
			q := queues[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				defer close(q.pages)
				q.err <- l.listRange(ctx, q.pages, opts, start, end)
			}()
		}
	}()
	for _, q := range queues {
		for page := range q.pages {
			select {
			case out <- page:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := <-q.err; err != nil {
			return err
		}
	}
	return nil
}

// listRange lists keys in [start, end) into pages.
func (l *lister) listRange(ctx context.Context, pages chan<- []storage.Object, opts storage.ListOptions, start, end string) error {
	for {
		p, err := l.list(ctx, opts)
		if err != nil {
			return err
		}
		objs := p.Objects
		// Decided before send, which may filter the page in place.
		last := p.NextToken == "" || (end != "" && len(objs) > 0 && objs[len(objs)-1].Key >= end)
		for len(objs) > 0 && objs[0].Key < start {
			objs = objs[1:]
		}
		if err := l.send(ctx, pages, objs, end); err != nil {
			return err
		}
		if last {
			return nil
		}
		opts = storage.ListOptions{Prefix: l.prefix, ContinuationToken: p.NextToken, MaxKeys: pageSize}
	}
}
