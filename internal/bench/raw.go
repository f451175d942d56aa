package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"golang.org/x/sync/errgroup"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// The baselines: the same work as the engine with the SDK alone, at the
// same parallelism and part size, over keys known in advance (no listing),
// without verification beyond what the SDK does by default (it checks the
// CRC-64 of what it uploads), without a report and without retries. They
// are the ceiling the engine is measured against.

// object is a source object a baseline copies.
type object struct {
	key  string
	size int64
}

// parallel runs fn(i) for i in [0, n) on p workers and returns the first
// error; the other workers stop taking new items once one failed.
func parallel(ctx context.Context, n, p int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range min(p, n) {
		g.Go(func() error {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return ctx.Err()
				}
				if err := fn(ctx, i); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// rawCopy copies every object with one CopyObject each, p at a time.
func rawCopy(ctx context.Context, dst *oss.Bucket, srcBucket string, objs []object, srcPrefix, dstPrefix string, p int) error {
	return parallel(ctx, len(objs), p, func(ctx context.Context, i int) error {
		key := objs[i].key
		_, err := dst.CopyObjectFrom(srcBucket, key, dstPrefix+key[len(srcPrefix):], oss.WithContext(ctx))
		return err
	})
}

// rawCopyListing is rawCopy while the source is listed alongside (as the
// engine must, to learn its keys): what the engine costs beyond listing.
func rawCopyListing(ctx context.Context, src storage.Bucket, dst *oss.Bucket, objs []object, srcPrefix, dstPrefix string, p int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		n, err := listAll(ctx, src, srcPrefix)
		if err == nil && n != int64(len(objs)) {
			err = fmt.Errorf("listed %d objects under %s, want %d", n, srcPrefix, len(objs))
		}
		return err
	})
	g.Go(func() error { return rawCopy(ctx, dst, src.Name(), objs, srcPrefix, dstPrefix, p) })
	return g.Wait()
}

// naiveCopy copies one object at a time, each after a HEAD that checks
// whether the destination already has it: what a simple script does.
func naiveCopy(ctx context.Context, dst *oss.Bucket, srcBucket string, objs []object, srcPrefix, dstPrefix string) error {
	for _, o := range objs {
		dstKey := dstPrefix + o.key[len(srcPrefix):]
		exists, err := dst.IsObjectExist(dstKey, oss.WithContext(ctx))
		if err != nil {
			return err
		}
		if exists {
			continue
		}
		if _, err := dst.CopyObjectFrom(srcBucket, o.key, dstKey, oss.WithContext(ctx)); err != nil {
			return err
		}
	}
	return nil
}

// rawStream copies every object with a GET piped into a PUT, p at a time.
func rawStream(ctx context.Context, src, dst *oss.Bucket, objs []object, srcPrefix, dstPrefix string, p int) error {
	return parallel(ctx, len(objs), p, func(ctx context.Context, i int) error {
		o := objs[i]
		body, err := src.GetObject(o.key, oss.WithContext(ctx))
		if err != nil {
			return err
		}
		defer func() { _ = body.Close() }()
		// A LimitedReader tells the SDK the length (no chunked upload).
		return dst.PutObject(dstPrefix+o.key[len(srcPrefix):], io.LimitReader(body, o.size), oss.WithContext(ctx))
	})
}

// partTask is one part of one object in a multipart baseline.
type partTask struct {
	obj      int
	n        int // 1-based
	off, len int64
}

// upload is one multipart upload of a baseline: its handle, its parts and
// how many of them are still missing.
type upload struct {
	imur    oss.InitiateMultipartUploadResult
	mu      sync.Mutex
	parts   []oss.UploadPart
	missing atomic.Int64
}

// rawParts copies every object as a multipart upload with parts of
// partSize: all uploads are initiated first, then all parts go through p
// workers (copyPart does one), and the worker that finishes an object's
// last part completes it.
func rawParts(ctx context.Context, dst *oss.Bucket, objs []object, srcPrefix, dstPrefix string, partSize int64, p int,
	copyPart func(ctx context.Context, imur oss.InitiateMultipartUploadResult, t partTask) (oss.UploadPart, error)) error {
	ups := make([]*upload, len(objs))
	var tasks []partTask
	for i, o := range objs {
		imur, err := dst.InitiateMultipartUpload(dstPrefix+o.key[len(srcPrefix):], oss.WithContext(ctx))
		if err != nil {
			return err
		}
		n := int((o.size + partSize - 1) / partSize)
		ups[i] = &upload{imur: imur, parts: make([]oss.UploadPart, n)}
		ups[i].missing.Store(int64(n))
		for j := range n {
			off := int64(j) * partSize
			tasks = append(tasks, partTask{obj: i, n: j + 1, off: off, len: min(partSize, o.size-off)})
		}
	}
	return parallel(ctx, len(tasks), p, func(ctx context.Context, i int) error {
		t := tasks[i]
		u := ups[t.obj]
		part, err := copyPart(ctx, u.imur, t)
		if err != nil {
			return fmt.Errorf("part %d of %s: %w", t.n, objs[t.obj].key, err)
		}
		u.mu.Lock()
		u.parts[t.n-1] = part
		u.mu.Unlock()
		if u.missing.Add(-1) > 0 {
			return nil
		}
		_, err = dst.CompleteMultipartUpload(u.imur, u.parts, oss.WithContext(ctx))
		return err
	})
}

// rawStreamParts is rawParts with ranged GETs piped into UploadPart.
func rawStreamParts(ctx context.Context, src, dst *oss.Bucket, objs []object, srcPrefix, dstPrefix string, partSize int64, p int) error {
	return rawParts(ctx, dst, objs, srcPrefix, dstPrefix, partSize, p,
		func(ctx context.Context, imur oss.InitiateMultipartUploadResult, t partTask) (oss.UploadPart, error) {
			body, err := src.GetObject(objs[t.obj].key, oss.Range(t.off, t.off+t.len-1), oss.WithContext(ctx))
			if err != nil {
				return oss.UploadPart{}, err
			}
			defer func() { _ = body.Close() }()
			return dst.UploadPart(imur, body, t.len, t.n, oss.WithContext(ctx))
		})
}

// rawPartCopy is rawParts with UploadPartCopy.
func rawPartCopy(ctx context.Context, dst *oss.Bucket, srcBucket string, objs []object, srcPrefix, dstPrefix string, partSize int64, p int) error {
	return rawParts(ctx, dst, objs, srcPrefix, dstPrefix, partSize, p,
		func(ctx context.Context, imur oss.InitiateMultipartUploadResult, t partTask) (oss.UploadPart, error) {
			return dst.UploadPartCopy(imur, srcBucket, objs[t.obj].key, t.off, t.len, t.n, oss.WithContext(ctx))
		})
}

// listAll lists every object under prefix, page by page (1,000 keys, the
// most OSS returns), and returns how many there are. It lists through the
// engine's storage adapter, whose decoding of the answers is about nine
// times cheaper than the SDK's ListObjectsV2 (BenchmarkDecodeListV2 in
// internal/engine/ossstore): the listing baselines measure what the engine
// adds to the listing it does, not the difference between two decoders.
func listAll(ctx context.Context, b storage.Bucket, prefix string) (int64, error) {
	var n int64
	token := ""
	for {
		page, err := b.List(ctx, storage.ListOptions{Prefix: prefix, MaxKeys: 1000, ContinuationToken: token})
		if err != nil {
			return n, err
		}
		n += int64(len(page.Objects))
		if page.NextToken == "" {
			return n, nil
		}
		token = page.NextToken
	}
}

// rawListBoth lists both sides at once, as the engine's merge does.
func rawListBoth(ctx context.Context, src, dst storage.Bucket, srcPrefix, dstPrefix string) (srcN, dstN int64, err error) {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { srcN, err = listAll(ctx, src, srcPrefix); return err })
	g.Go(func() (err error) { dstN, err = listAll(ctx, dst, dstPrefix); return err })
	err = g.Wait()
	return srcN, dstN, err
}

// deletePrefix deletes every object under prefix (between repetitions, so
// the emulator's memory does not grow with them).
func deletePrefix(ctx context.Context, b *oss.Bucket, prefix string) error {
	for {
		res, err := b.ListObjectsV2(oss.Prefix(prefix), oss.MaxKeys(1000), oss.WithContext(ctx))
		if err != nil {
			return err
		}
		if len(res.Objects) == 0 {
			return nil
		}
		keys := make([]string, len(res.Objects))
		for i, o := range res.Objects {
			keys[i] = o.Key
		}
		if _, err := b.DeleteObjects(keys, oss.DeleteObjectsQuiet(true), oss.WithContext(ctx)); err != nil {
			return err
		}
	}
}

// syntheticObjects are the keys the emulator's -synthetic flag creates.
func syntheticObjects(prefix string, n int, size int64) []object {
	objs := make([]object, n)
	for i := range objs {
		objs[i] = object{key: fmt.Sprintf("%s%09d", prefix, i), size: size}
	}
	return objs
}
