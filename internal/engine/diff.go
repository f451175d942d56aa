package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// action is what the planner decided for one source object.
type action int

const (
	actCopy action = iota
	actSkip
)

// decision is the planner's verdict on one source object.
type decision struct {
	act      action
	src      storage.Object
	dstKey   string
	reason   string // why it is skipped
	archived bool   // skipped for its storage class
}

// Skip reasons, as reports show them.
const (
	reasonArchived  = "archived: storage class %s must be restored before it can be migrated"
	reasonIdentical = "exists: destination is identical"
	reasonNever     = "exists: overwrite is never"
	reasonDestNewer = "exists: destination is newer than the source (overwrite is if_newer)"
)

// IsArchivedReason reports a report row skipped for its storage class.
func IsArchivedReason(reason string) bool { return strings.HasPrefix(reason, "archived:") }

func isArchived(class string) bool {
	return class == "Archive" || class == "ColdArchive" || class == "DeepColdArchive"
}

// isMultipartETag reports an ETag that is not a content MD5.
func isMultipartETag(etag string) bool { return strings.Contains(etag, "-") }

func sameETag(a, b string) bool { return strings.EqualFold(strings.Trim(a, `"`), strings.Trim(b, `"`)) }

// identical reports whether dst holds the same bytes as src, judged from
// listings only: same size and same ETag, or, when an ETag is not a content
// MD5 (multipart), a destination written at or after the source's last
// change. "At" matters: a multipart copy usually completes in the second
// its source was written when both are fresh, and a resumed run must not
// copy those again. The cost is the one case listings cannot tell: a
// same-size rewrite of the source in the second its multipart copy
// completed looks identical (the incremental guide says so).
func identical(src, dst storage.Object) bool {
	if src.Size != dst.Size {
		return false
	}
	if sameETag(src.ETag, dst.ETag) {
		return true
	}
	return (isMultipartETag(src.ETag) || isMultipartETag(dst.ETag)) && !dst.LastModified.Before(src.LastModified)
}

// decide applies the filter, archive rule and overwrite mode to one object.
func decide(spec *Spec, m *matcher, src storage.Object, rel string, dst *storage.Object) decision {
	d := decision{act: actSkip, src: src, dstKey: spec.Destination.Prefix + rel}
	if r := m.reject(rel, src); r != "" {
		d.reason = r
		return d
	}
	if isArchived(src.StorageClass) {
		d.reason, d.archived = fmt.Sprintf(reasonArchived, src.StorageClass), true
		return d
	}
	if dst == nil {
		d.act = actCopy
		return d
	}
	switch {
	case identical(src, *dst):
		d.reason = reasonIdentical
	case spec.Overwrite == OverwriteNever:
		d.reason = reasonNever
	case spec.Overwrite == OverwriteIfNewer && src.LastModified.Before(dst.LastModified):
		// Only a strictly newer destination is kept. LastModified has
		// one-second resolution: a source rewritten in the second its copy
		// was made has the copy's time, and differs from it (identical
		// said so), so it is copied again rather than missed for good.
		d.reason = reasonDestNewer
	default:
		d.act = actCopy
	}
	return d
}

// planner lists source and destination and merge-joins them into decisions,
// in source key order, without per-object requests.
type planner struct {
	spec     *Spec
	m        *matcher
	src, dst *lister
}

// run calls emit for every source object. Destination objects without a
// source are ignored: nothing is ever deleted from a destination.
func (p *planner) run(ctx context.Context, emit func(decision) error) error {
	g, ctx := errgroup.WithContext(ctx)
	srcPages := make(chan []storage.Object, 2)
	dstPages := make(chan []storage.Object, 2)
	g.Go(func() error { return p.src.run(ctx, srcPages) })
	g.Go(func() error { return p.dst.run(ctx, dstPages) })
	g.Go(func() error {
		defer drain(srcPages)
		defer drain(dstPages)
		dst := newCursor(dstPages, p.spec.Destination.Prefix)
		for page := range srcPages {
			for _, o := range page {
				rel := strings.TrimPrefix(o.Key, p.spec.Source.Prefix)
				match, err := dst.seek(ctx, rel)
				if err != nil {
					return err
				}
				if err := emit(decide(p.spec, p.m, o, rel, match)); err != nil {
					return err
				}
			}
		}
		return ctx.Err()
	})
	return g.Wait()
}

// drain empties a page channel so its producer can finish.
func drain(ch <-chan []storage.Object) {
	for range ch {
	}
}

// cursor walks the destination listing alongside the source.
type cursor struct {
	pages  <-chan []storage.Object
	prefix string
	page   []storage.Object
	i      int
	done   bool
}

func newCursor(pages <-chan []storage.Object, prefix string) *cursor {
	return &cursor{pages: pages, prefix: prefix}
}

// seek advances to the first destination object whose relative key is >= rel
// and returns it when it equals rel.
func (c *cursor) seek(ctx context.Context, rel string) (*storage.Object, error) {
	for !c.done {
		for c.i < len(c.page) {
			o := &c.page[c.i]
			r := strings.TrimPrefix(o.Key, c.prefix)
			if r < rel {
				c.i++
				continue
			}
			if r == rel {
				c.i++
				return o, nil
			}
			return nil, nil
		}
		select {
		case p, ok := <-c.pages:
			if !ok {
				c.done = true
				return nil, nil
			}
			c.page, c.i = p, 0
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, nil
}

// PlanResult is what a dry run found.
type PlanResult struct {
	// SourceFiles and SourceBytes count every source object considered.
	SourceFiles, SourceBytes int64
	// CopyFiles and CopyBytes are what a run would copy now.
	CopyFiles, CopyBytes int64
	// SkipFiles and SkipBytes are what it would skip, by any reason.
	SkipFiles, SkipBytes int64
	// ArchivedFiles are skipped because of their storage class.
	ArchivedFiles int64
	// FirstKeys are the first source keys a run would copy.
	FirstKeys []string
	// ListRequests is how many list requests the plan issued.
	ListRequests int64
	Duration     time.Duration
}
