package engine

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// Copy methods as results and reports name them.
const (
	methodServerSide = "server_side"
	methodStream     = "stream"
)

// copied describes a finished, verified copy.
type copied struct {
	size     int64
	crc      uint64
	hasCRC   bool
	etag     string
	method   string
	modified time.Time
}

// copier moves one object at a time from src to dst with the spec's copy
// method, verification and limits. It is shared by all workers.
type copier struct {
	spec     *Spec
	src, dst storage.Bucket
	retry    *retrier
	throttle *throttle
	log      hclog.Logger
	attempts int
	// serverSide is true while server-side copy may be tried: same region,
	// a method that allows it, and (for auto) no AccessDenied seen yet.
	serverSide atomic.Bool
	// partSlots bounds the parts in flight across all objects, so memory
	// and connections stay bounded by the parallelism, not by object sizes.
	partSlots chan struct{}
}

func newCopier(spec *Spec, src, dst storage.Bucket, r *retrier, t *throttle, log hclog.Logger, attempts int) *copier {
	c := &copier{spec: spec, src: src, dst: dst, retry: r, throttle: t, log: log, attempts: attempts,
		partSlots: make(chan struct{}, spec.Limits.Parallelism)}
	c.serverSide.Store(spec.CopyMethod != CopyStream && spec.Source.Region == spec.Destination.Region)
	return c
}

// Requests that make an object visible (InitiateMultipartUpload, CopyObject,
// PutObject, CompleteMultipartUpload) are not cut the moment the run is
// cancelled: they get commitGrace to finish, so that an object that became
// visible is recorded in the report and no upload is left whose ID we never
// learned. commitTimeout bounds them regardless.
const (
	commitGrace   = 5 * time.Second
	commitTimeout = 2 * time.Minute
)

// commitContext is ctx for a committing request: cancelled commitGrace
// after ctx is, or at commitTimeout.
func commitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(commitGrace, cancel)
		context.AfterFunc(cctx, func() { t.Stop() })
	})
	return cctx, func() {
		stop()
		cancel()
	}
}

// errVerify is a copy whose check failed; it wraps storage.ErrCRCMismatch so
// that the object is copied again.
func errVerify(format string, args ...any) error {
	return fmt.Errorf("verify: %s: %w", fmt.Sprintf(format, args...), storage.ErrCRCMismatch)
}

// copy copies one object, retrying the whole object when verification fails.
func (c *copier) copy(ctx context.Context, d decision) (copied, error) {
	var lastErr error
	for attempt := 1; attempt <= c.attempts; attempt++ {
		out, err := c.copyOnce(ctx, d)
		if err == nil {
			return out, nil
		}
		lastErr = err
		if ctx.Err() != nil || !errors.Is(err, storage.ErrCRCMismatch) {
			return copied{}, err
		}
		c.log.Warn("copy failed verification; copying again", "key", d.src.Key, "attempt", attempt, "error", err)
	}
	return copied{}, lastErr
}

func (c *copier) copyOnce(ctx context.Context, d decision) (copied, error) {
	if c.serverSide.Load() {
		out, err := c.copyServerSide(ctx, d)
		if err == nil || c.spec.CopyMethod != CopyAuto || !isAccessDenied(err) {
			return out, err
		}
		if c.serverSide.CompareAndSwap(true, false) {
			c.log.Info("server-side copy denied; streaming for the rest of the run",
				"source", c.src.Name(), "destination", c.dst.Name(), "error", err)
		}
	}
	return c.copyStreamed(ctx, d)
}

// destClass is the storage class destination objects are written with.
func (c *copier) destClass(srcClass string) string {
	if c.spec.StorageClass != "" {
		return c.spec.StorageClass
	}
	return srcClass
}

// partSize returns the part size for an object: the configured one, grown
// (in whole MiB) until the object fits in MaxParts parts.
func partSize(size, configured int64) int64 {
	ps := configured
	if size > ps*MaxParts {
		ps = (size + MaxParts - 1) / MaxParts
		ps = (ps + (1<<20 - 1)) &^ (1<<20 - 1)
	}
	return ps
}

func (c *copier) copyServerSide(ctx context.Context, d decision) (copied, error) {
	if d.src.Size >= c.spec.MultipartThreshold || d.src.Size > MaxCopyObjectSize {
		return c.copyParts(ctx, d, true)
	}
	if err := c.throttle.waitBytes(ctx, d.src.Size); err != nil {
		return copied{}, err
	}
	var res storage.PutResult
	err := c.retry.do(ctx, "copy "+d.src.Key, func(ctx context.Context) error {
		cctx, cancel := commitContext(ctx)
		defer cancel()
		var err error
		res, err = c.dst.Copy(cctx, c.src.Name(), d.src.Key, d.dstKey, c.destClass(d.src.StorageClass))
		return err
	})
	if err != nil {
		return copied{}, err
	}
	// A copy that shares the source's bytes has the source's ETag; for a
	// content-MD5 ETag a different answer means different bytes.
	if c.spec.Verify != VerifyNone && !isMultipartETag(d.src.ETag) && !sameETag(res.ETag, d.src.ETag) {
		return copied{}, errVerify("%s: destination ETag %s, source ETag %s", d.dstKey, res.ETag, d.src.ETag)
	}
	return copied{size: d.src.Size, crc: res.CRC64, hasCRC: res.HasCRC64, etag: d.src.ETag, method: methodServerSide, modified: d.src.LastModified}, nil
}

func (c *copier) copyStreamed(ctx context.Context, d decision) (copied, error) {
	if d.src.Size >= c.spec.MultipartThreshold {
		return c.copyParts(ctx, d, false)
	}
	var out copied
	var vr *verifyingReader
	err := c.retry.do(ctx, "stream "+d.src.Key, func(ctx context.Context) error {
		body, info, err := c.src.Get(ctx, d.src.Key, 0, -1, "")
		if err != nil {
			return err
		}
		defer func() { _ = body.Close() }()
		meta, err := c.metadata(ctx, info)
		if err != nil {
			return err
		}
		vr = newVerifyingReader(ctx, body, info, c.spec.Verify)
		// The upload is not cancelled itself: its body stops when ctx ends
		// (the GET is cancelled, the last byte is withheld), and once the
		// last byte is out the answer is awaited, so a committed object is
		// always recorded.
		pctx, cancel := commitContext(ctx)
		defer cancel()
		res, err := c.dst.Put(pctx, d.dstKey, c.throttle.reader(ctx, vr), info.Size, meta)
		if vr.err != nil {
			// The body was stopped before its last byte, so the store
			// never committed the corrupted object.
			return vr.err
		}
		if err != nil {
			return err
		}
		if c.spec.Verify == VerifyCRC64 && res.HasCRC64 && info.HasCRC64 && res.CRC64 != info.CRC64 {
			return errVerify("%s: destination CRC-64 %d, source %d", d.dstKey, res.CRC64, info.CRC64)
		}
		out = copied{size: info.Size, crc: info.CRC64, hasCRC: info.HasCRC64, etag: info.ETag, method: methodStream, modified: info.LastModified}
		return nil
	})
	return out, err
}

// metadata is what the destination object is written with: the source's
// content headers, user metadata and tags, in the destination class.
func (c *copier) metadata(ctx context.Context, info storage.ObjectInfo) (storage.Metadata, error) {
	meta := info.Metadata
	meta.StorageClass = c.destClass(info.StorageClass)
	if meta.TagCount > 0 && meta.Tags == nil {
		err := c.retry.do(ctx, "tags "+info.Key, func(ctx context.Context) error {
			var err error
			meta.Tags, err = c.src.Tags(ctx, info.Key)
			return err
		})
		if err != nil {
			return meta, err
		}
	}
	return meta, nil
}

// copyParts copies a large object as a multipart upload: UploadPartCopy
// parts when server-side, ranged GETs piped into UploadPart when streamed.
// The upload is completed only after every part is in and the combined
// CRC-64 matches the source's, and aborted on every other path.
func (c *copier) copyParts(ctx context.Context, d decision, serverSide bool) (out copied, err error) {
	var info storage.ObjectInfo
	err = c.retry.do(ctx, "head "+d.src.Key, func(ctx context.Context) error {
		var err error
		info, err = c.src.Head(ctx, d.src.Key)
		return err
	})
	if err != nil {
		return out, err
	}
	meta, err := c.metadata(ctx, info)
	if err != nil {
		return out, err
	}
	var uploadID string
	err = c.retry.do(ctx, "initiate "+d.dstKey, func(ctx context.Context) error {
		// The request itself is not cancelled: a cancellation racing with
		// it could leave an upload on the server whose ID we never learn.
		ictx, cancel := commitContext(ctx)
		defer cancel()
		var err error
		uploadID, err = c.dst.InitMultipart(ictx, d.dstKey, meta)
		return err
	})
	if err != nil {
		return out, err
	}
	completed := false
	defer func() {
		if completed {
			return
		}
		// Abort even when ctx is cancelled: no upload is left behind.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if aerr := c.dst.AbortMultipart(actx, d.dstKey, uploadID); aerr != nil {
			c.log.Warn("abort multipart upload failed", "key", d.dstKey, "upload_id", uploadID, "error", aerr)
		}
	}()

	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	ps := partSize(info.Size, c.spec.PartSize)
	n := int((info.Size + ps - 1) / ps)
	parts := make([]storage.Part, n)
	g, gctx := errgroup.WithContext(ctx)
	for i := range n {
		select {
		case c.partSlots <- struct{}{}:
		case <-gctx.Done():
			return out, errors.Join(gctx.Err(), g.Wait())
		}
		g.Go(func() error {
			defer func() { <-c.partSlots }()
			off := int64(i) * ps
			size := min(ps, info.Size-off)
			var err error
			if serverSide {
				parts[i], err = c.copyPart(gctx, d, uploadID, i+1, off, size)
			} else {
				parts[i], err = c.streamPart(gctx, d, info.ETag, uploadID, i+1, off, size)
			}
			if err != nil {
				return fmt.Errorf("part %d: %w", i+1, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return out, fmt.Errorf("copy %s: %w", d.src.Key, err)
	}
	if !serverSide && c.spec.Verify == VerifyCRC64 && info.HasCRC64 {
		// The parts' CRCs are of the bytes that went through (see
		// streamPart), so this checks what was read against the source.
		var combined uint64
		for i, p := range parts {
			if !p.HasCRC64 {
				return out, fmt.Errorf("verify: %s: the store reported no CRC-64 for part %d, so the copy cannot be verified", d.dstKey, p.Number)
			}
			if i == 0 {
				combined = p.CRC64
				continue
			}
			combined = crc64ecma.Combine(combined, p.CRC64, p.Size)
		}
		if combined != info.CRC64 {
			return out, errVerify("%s: bytes read have CRC-64 %d, source has %d", d.src.Key, combined, info.CRC64)
		}
	}
	var res storage.PutResult
	err = c.retry.do(ctx, "complete "+d.dstKey, func(ctx context.Context) error {
		cctx, cancel := commitContext(ctx)
		defer cancel()
		var err error
		res, err = c.dst.CompleteMultipart(cctx, d.dstKey, uploadID, parts)
		return err
	})
	if err != nil {
		return out, err
	}
	completed = true
	if c.spec.Verify == VerifyCRC64 && res.HasCRC64 && info.HasCRC64 && res.CRC64 != info.CRC64 {
		return out, errVerify("%s: destination CRC-64 %d, source %d", d.dstKey, res.CRC64, info.CRC64)
	}
	method := methodStream
	if serverSide {
		method = methodServerSide
	}
	return copied{size: info.Size, crc: info.CRC64, hasCRC: info.HasCRC64, etag: info.ETag, method: method, modified: info.LastModified}, nil
}

func (c *copier) copyPart(ctx context.Context, d decision, uploadID string, n int, off, size int64) (storage.Part, error) {
	if err := c.throttle.waitBytes(ctx, size); err != nil {
		return storage.Part{}, err
	}
	var p storage.Part
	err := c.retry.do(ctx, fmt.Sprintf("copy part %d of %s", n, d.src.Key), func(ctx context.Context) error {
		var err error
		p, err = c.dst.UploadPartCopy(ctx, d.dstKey, uploadID, n, c.src.Name(), d.src.Key, off, size)
		return err
	})
	p.Number, p.Size = n, size
	return p, err
}

// streamPart pipes one ranged GET into one UploadPart (no buffering). The
// part's CRC-64 is the one UploadPart reports for the bytes it sent (the
// storage.Bucket contract): the store computes it while it sends them, so
// hashing them here as well would be a second pass over every byte.
func (c *copier) streamPart(ctx context.Context, d decision, etag, uploadID string, n int, off, size int64) (storage.Part, error) {
	var p storage.Part
	err := c.retry.do(ctx, fmt.Sprintf("stream part %d of %s", n, d.src.Key), func(ctx context.Context) error {
		body, _, err := c.src.Get(ctx, d.src.Key, off, size, etag)
		if err != nil {
			return err
		}
		defer func() { _ = body.Close() }()
		p, err = c.dst.UploadPart(ctx, d.dstKey, uploadID, n, c.throttle.reader(ctx, body), size)
		return err
	})
	p.Number, p.Size = n, size
	return p, err
}

// verifyingReader passes an object's bytes through while computing their
// CRC-64, and holds back the last byte until it knows the whole body
// matches the source's size and CRC. On a mismatch it fails instead of
// delivering that byte, so the upload it feeds never completes and a
// corrupted read is never committed as an object.
type verifyingReader struct {
	ctx  context.Context
	r    io.Reader
	info storage.ObjectInfo
	mode VerifyMode
	crc  hash.Hash64
	n    int64
	held []byte // at most one byte not yet delivered
	eof  bool
	err  error
}

func newVerifyingReader(ctx context.Context, r io.Reader, info storage.ObjectInfo, mode VerifyMode) *verifyingReader {
	return &verifyingReader{ctx: ctx, r: r, info: info, mode: mode, crc: crc64ecma.New()}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if v.eof {
		if len(v.held) == 0 {
			return 0, io.EOF
		}
		p[0] = v.held[0]
		v.held = v.held[:0]
		return 1, nil
	}
	// Read into p after the held byte, then keep the new last byte back.
	start := copy(p, v.held)
	n, err := v.r.Read(p[start:])
	if n > 0 {
		v.crc.Write(p[start : start+n])
		v.n += int64(n)
	}
	total := start + n
	switch {
	case err == io.EOF:
		v.eof = true
		if cerr := v.check(); cerr != nil {
			v.err = cerr
			return 0, cerr
		}
		return total, nil
	case err != nil:
		v.err = err
		return 0, err
	}
	if total == 0 {
		return 0, nil
	}
	v.held = append(v.held[:0], p[total-1])
	return total - 1, nil
}

func (v *verifyingReader) check() error {
	// A cancelled run does not release the last byte either, so an upload
	// under way when the run stops never completes behind its back.
	if err := v.ctx.Err(); err != nil {
		return err
	}
	if v.mode == VerifyNone {
		return nil
	}
	if v.n != v.info.Size {
		return errVerify("%s: read %d bytes, source has %d", v.info.Key, v.n, v.info.Size)
	}
	if v.mode == VerifyCRC64 && v.info.HasCRC64 && v.crc.Sum64() != v.info.CRC64 {
		return errVerify("%s: bytes read have CRC-64 %d, source has %d", v.info.Key, v.crc.Sum64(), v.info.CRC64)
	}
	return nil
}
