package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// retryingBucket retries the whole-object reads and writes of a bucket
// with the engine's policy; the report writer and reader go through it, so
// a throttled or reset report write is retried like any data request.
type retryingBucket struct {
	storage.Bucket
	retry *retrier
}

// Put retries when r can be rewound (report files are byte slices).
func (b retryingBucket) Put(ctx context.Context, key string, r io.Reader, size int64, meta storage.Metadata) (storage.PutResult, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return b.Bucket.Put(ctx, key, r, size, meta)
	}
	var res storage.PutResult
	err := b.retry.do(ctx, "put "+key, func(ctx context.Context) error {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("rewind %s: %w", key, err)
		}
		var err error
		res, err = b.Bucket.Put(ctx, key, rs, size, meta)
		return err
	})
	return res, err
}

// Get retries opening the object; a failure while reading the body is the
// caller's to handle.
func (b retryingBucket) Get(ctx context.Context, key string, offset, length int64, ifMatch string) (io.ReadCloser, storage.ObjectInfo, error) {
	var rc io.ReadCloser
	var info storage.ObjectInfo
	err := b.retry.do(ctx, "get "+key, func(ctx context.Context) error {
		var err error
		rc, info, err = b.Bucket.Get(ctx, key, offset, length, ifMatch)
		return err
	})
	return rc, info, err
}

// Close closes the wrapped bucket if it can be closed.
func (b retryingBucket) Close() error {
	if c, ok := b.Bucket.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
