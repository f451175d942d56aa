package ossemu

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// store is the in-memory index of buckets and object records that both
// backends serve reads from. Locking is sharded by bucket: the bucket map
// lock is only taken to find a bucket, and each bucket has its own RWMutex
// for its objects, so parallel writers to different buckets never contend and
// readers of one bucket share its lock.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*storeBucket
}

type storeBucket struct {
	mu      sync.RWMutex
	rec     BucketRecord
	objects map[string]ObjectRecord
	keys    keyIndex
}

func newStore() *store { return &store{buckets: make(map[string]*storeBucket)} }

func (s *store) bucket(name string) (*storeBucket, error) {
	s.mu.RLock()
	b, ok := s.buckets[name]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
	}
	return b, nil
}

func (s *store) createBucket(rec BucketRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[rec.Name]; ok {
		return fmt.Errorf("bucket %q: %w", rec.Name, ErrBucketExists)
	}
	s.buckets[rec.Name] = &storeBucket{rec: rec.clone(), objects: make(map[string]ObjectRecord)}
	return nil
}

func (s *store) getBucket(name string) (BucketRecord, error) {
	b, err := s.bucket(name)
	if err != nil {
		return BucketRecord{}, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.rec.clone(), nil
}

// updateBucket applies fn to a copy of the bucket record and returns the result.
func (s *store) updateBucket(name string, fn func(*BucketRecord)) (BucketRecord, error) {
	b, err := s.bucket(name)
	if err != nil {
		return BucketRecord{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	rec := b.rec.clone()
	fn(&rec)
	rec.Name = b.rec.Name
	b.rec = rec
	return rec.clone(), nil
}

func (s *store) deleteBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[name]
	if !ok {
		return fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
	}
	b.mu.RLock()
	n := b.keys.len()
	b.mu.RUnlock()
	if n > 0 {
		return fmt.Errorf("bucket %q: %w", name, ErrBucketNotEmpty)
	}
	delete(s.buckets, name)
	return nil
}

func (s *store) listBuckets() []BucketRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]BucketRecord, 0, len(s.buckets))
	for _, b := range s.buckets {
		b.mu.RLock()
		out = append(out, b.rec.clone())
		b.mu.RUnlock()
	}
	return out
}

// putObject stores o and returns the record it replaced, if any. persist
// (may be nil) runs under the bucket lock before o becomes visible, so that
// what is on disk and what is served change in the same order.
func (s *store) putObject(bucket string, o ObjectRecord, persist func() error) (old ObjectRecord, replaced bool, err error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return ObjectRecord{}, false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if persist != nil {
		if err := persist(); err != nil {
			return ObjectRecord{}, false, err
		}
	}
	old, replaced = b.objects[o.Key]
	b.objects[o.Key] = o
	b.keys.insert(o.Key)
	return old, replaced, nil
}

func (s *store) getObject(bucket, key string) (ObjectRecord, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return ObjectRecord{}, err
	}
	b.mu.RLock()
	o, ok := b.objects[key]
	b.mu.RUnlock()
	if !ok {
		return ObjectRecord{}, fmt.Errorf("%s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	return o, nil
}

// updateObject applies fn to a copy of the record; persist (may be nil) runs
// under the bucket lock before the new record becomes visible.
func (s *store) updateObject(bucket, key string, fn func(*ObjectRecord) error, persist func(ObjectRecord) error) error {
	b, err := s.bucket(bucket)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[key]
	if !ok {
		return fmt.Errorf("%s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	o = o.clone()
	if err := fn(&o); err != nil {
		return err
	}
	o.Key = key
	if persist != nil {
		if err := persist(o); err != nil {
			return err
		}
	}
	b.objects[key] = o
	return nil
}

// deleteObject removes key; persist (may be nil) runs under the bucket lock
// first, and only for a key that exists.
func (s *store) deleteObject(bucket, key string, persist func() error) (ObjectRecord, bool, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return ObjectRecord{}, false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[key]
	if !ok {
		return ObjectRecord{}, false, nil
	}
	if persist != nil {
		if err := persist(); err != nil {
			return ObjectRecord{}, false, err
		}
	}
	delete(b.objects, key)
	b.keys.remove(key)
	return o, true, nil
}

func (s *store) listObjects(bucket, from string, limit int) ([]ObjectRecord, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]ObjectRecord, 0, min(limit, b.keys.len()))
	b.keys.ascend(from, func(k string) bool {
		if len(out) >= limit {
			return false
		}
		out = append(out, b.objects[k])
		return true
	})
	return out, nil
}

// MemoryBackend keeps everything in memory. Blobs are shared, never copied:
// CopyObject and UploadPartCopy reference the source's bytes.
type MemoryBackend struct {
	s *store
}

// NewMemoryBackend returns an empty in-memory backend.
func NewMemoryBackend() *MemoryBackend { return &MemoryBackend{s: newStore()} }

// CreateBucket implements Backend.
func (m *MemoryBackend) CreateBucket(b BucketRecord) error { return m.s.createBucket(b) }

// Bucket implements Backend.
func (m *MemoryBackend) Bucket(name string) (BucketRecord, error) { return m.s.getBucket(name) }

// UpdateBucket implements Backend.
func (m *MemoryBackend) UpdateBucket(name string, fn func(*BucketRecord)) error {
	_, err := m.s.updateBucket(name, fn)
	return err
}

// DeleteBucket implements Backend.
func (m *MemoryBackend) DeleteBucket(name string) error { return m.s.deleteBucket(name) }

// Buckets implements Backend.
func (m *MemoryBackend) Buckets() ([]BucketRecord, error) { return m.s.listBuckets(), nil }

// NewBlob implements Backend.
func (m *MemoryBackend) NewBlob(r io.Reader, size int64) (Blob, error) {
	if size >= 0 {
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		// A body longer than declared is a client bug; OSS would reject it.
		var probe [1]byte
		if n, _ := r.Read(probe[:]); n > 0 {
			return nil, fmt.Errorf("body longer than %d bytes", size)
		}
		return &memBlob{segs: [][]byte{buf}, size: size}, nil
	}
	var segs [][]byte
	var total int64
	for {
		seg := make([]byte, 1<<20)
		n, err := io.ReadFull(r, seg)
		if n > 0 {
			segs = append(segs, seg[:n])
			total += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return &memBlob{segs: segs, size: total}, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// JoinBlobs implements Backend without copying bytes of memory blobs.
func (m *MemoryBackend) JoinBlobs(parts []BlobRange) (Blob, error) {
	out := &memBlob{}
	for _, p := range parts {
		mb, ok := p.Blob.(*memBlob)
		if !ok {
			rc, err := p.Blob.Open(p.Offset, p.Length)
			if err != nil {
				return nil, err
			}
			buf, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				return nil, err
			}
			mb = &memBlob{segs: [][]byte{buf}, size: int64(len(buf))}
			p.Offset = 0
		}
		out.segs = append(out.segs, mb.slice(p.Offset, p.Length)...)
		out.size += p.Length
	}
	return out, nil
}

// PutObject implements Backend.
func (m *MemoryBackend) PutObject(bucket string, o ObjectRecord) error {
	_, _, err := m.s.putObject(bucket, o, nil)
	return err
}

// GetObject implements Backend.
func (m *MemoryBackend) GetObject(bucket, key string) (ObjectRecord, error) {
	return m.s.getObject(bucket, key)
}

// UpdateObject implements Backend.
func (m *MemoryBackend) UpdateObject(bucket, key string, fn func(*ObjectRecord) error) error {
	return m.s.updateObject(bucket, key, fn, nil)
}

// DeleteObject implements Backend.
func (m *MemoryBackend) DeleteObject(bucket, key string) error {
	_, _, err := m.s.deleteObject(bucket, key, nil)
	return err
}

// ListObjects implements Backend.
func (m *MemoryBackend) ListObjects(bucket, from string, limit int) ([]ObjectRecord, error) {
	return m.s.listObjects(bucket, from, limit)
}

// Close implements Backend.
func (m *MemoryBackend) Close() error { return nil }

// memBlob is a list of immutable byte segments; slices of it share them.
type memBlob struct {
	segs [][]byte
	size int64
}

func (b *memBlob) Size() int64 { return b.size }
func (b *memBlob) Discard()    {}

// slice returns the segments covering [off, off+n).
func (b *memBlob) slice(off, n int64) [][]byte {
	var out [][]byte
	for _, s := range b.segs {
		if n <= 0 {
			break
		}
		l := int64(len(s))
		if off >= l {
			off -= l
			continue
		}
		take := min(l-off, n)
		out = append(out, s[off:off+take])
		n -= take
		off = 0
	}
	return out
}

func (b *memBlob) Open(off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || off+n > b.size {
		return nil, fmt.Errorf("range %d+%d outside blob of %d bytes", off, n, b.size)
	}
	segs := b.slice(off, n)
	readers := make([]io.Reader, len(segs))
	for i, s := range segs {
		readers[i] = bytes.NewReader(s)
	}
	return io.NopCloser(io.MultiReader(readers...)), nil
}
