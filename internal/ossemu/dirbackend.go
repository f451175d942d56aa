package ossemu

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DirBackend keeps buckets and objects in a directory, so that data survives
// restarts (the demo). Every object is one immutable blob file plus one
// metadata file; an object becomes visible by renaming its metadata file into
// place, so a killed emulator leaves either the old object or the new one.
// Blob files no metadata references (a crash mid-upload) are removed at
// start. Reads are served from an in-memory index loaded at start.
//
// Layout under the root:
//
//	buckets/<bucket>.json
//	objects/<bucket>/<hh>/<sha256(key)>.json
//	blobs/<hh>/<random id>
type DirBackend struct {
	root string
	s    *store

	mu   sync.Mutex     // guards refs
	refs map[string]int // blob path -> number of objects using it
}

// NewDirBackend opens (or creates) a directory backend at root.
func NewDirBackend(root string) (*DirBackend, error) {
	d := &DirBackend{root: root, s: newStore(), refs: map[string]int{}}
	for _, sub := range []string{"buckets", "objects", "blobs"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := d.load(); err != nil {
		return nil, fmt.Errorf("load %s: %w", root, err)
	}
	return d, nil
}

type dirObjectMeta struct {
	Key          string            `json:"key"`
	Blob         string            `json:"blob"` // path relative to the root
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"`
	CRC64        uint64            `json:"crc64"`
	LastModified time.Time         `json:"last_modified"`
	Type         string            `json:"type"`
	StorageClass string            `json:"storage_class"`
	ACL          string            `json:"acl"`
	Owner        string            `json:"owner"`
	Headers      map[string]string `json:"headers,omitempty"`
	UserMeta     map[string]string `json:"user_meta,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	Restore      RestoreState      `json:"restore"`
}

func (d *DirBackend) load() error {
	bucketFiles, err := filepath.Glob(filepath.Join(d.root, "buckets", "*.json"))
	if err != nil {
		return err
	}
	for _, f := range bucketFiles {
		var rec BucketRecord
		if err := readJSON(f, &rec); err != nil {
			return err
		}
		if err := d.s.createBucket(rec); err != nil {
			return err
		}
		dir := filepath.Join(d.root, "objects", rec.Name)
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil || e.IsDir() {
				return err
			}
			if !strings.HasSuffix(path, ".json") {
				return os.Remove(path) // a temporary file of an interrupted write
			}
			var m dirObjectMeta
			if err := readJSON(path, &m); err != nil {
				return err
			}
			o := ObjectRecord{
				Key: m.Key, Blob: &fileBlob{d: d, rel: m.Blob, size: m.Size}, Size: m.Size, ETag: m.ETag, CRC64: m.CRC64,
				LastModified: m.LastModified, Type: m.Type, StorageClass: m.StorageClass, ACL: m.ACL, Owner: m.Owner,
				Headers: m.Headers, UserMeta: m.UserMeta, Tags: m.Tags, Restore: m.Restore,
			}
			if _, _, err := d.s.putObject(rec.Name, o, nil); err != nil {
				return err
			}
			d.refs[m.Blob]++
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Blobs nobody references were staged by writes that never committed.
	return filepath.WalkDir(filepath.Join(d.root, "blobs"), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(d.root, path)
		if d.refs[filepath.ToSlash(rel)] == 0 {
			return os.Remove(path)
		}
		return nil
	})
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp" + randomID()[:8]
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (d *DirBackend) bucketFile(name string) string {
	return filepath.Join(d.root, "buckets", name+".json")
}

func (d *DirBackend) metaFile(bucket, key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(d.root, "objects", bucket, h[:2], h+".json")
}

// CreateBucket implements Backend.
func (d *DirBackend) CreateBucket(b BucketRecord) error {
	if err := d.s.createBucket(b); err != nil {
		return err
	}
	data, _ := json.Marshal(b)
	if err := writeFileAtomic(d.bucketFile(b.Name), data); err != nil {
		_ = d.s.deleteBucket(b.Name)
		return err
	}
	return nil
}

// Bucket implements Backend.
func (d *DirBackend) Bucket(name string) (BucketRecord, error) { return d.s.getBucket(name) }

// UpdateBucket implements Backend.
func (d *DirBackend) UpdateBucket(name string, fn func(*BucketRecord)) error {
	rec, err := d.s.updateBucket(name, fn)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(rec)
	return writeFileAtomic(d.bucketFile(name), data)
}

// DeleteBucket implements Backend.
func (d *DirBackend) DeleteBucket(name string) error {
	if err := d.s.deleteBucket(name); err != nil {
		return err
	}
	if err := os.Remove(d.bucketFile(name)); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(d.root, "objects", name))
}

// Buckets implements Backend.
func (d *DirBackend) Buckets() ([]BucketRecord, error) { return d.s.listBuckets(), nil }

func (d *DirBackend) newBlobFile() (*os.File, string, error) {
	id := randomID()
	rel := "blobs/" + id[:2] + "/" + id
	path := filepath.Join(d.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, "", err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	return f, rel, err
}

// NewBlob implements Backend.
func (d *DirBackend) NewBlob(r io.Reader, size int64) (Blob, error) {
	f, rel, err := d.newBlobFile()
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("body has %d bytes, Content-Length said %d", n, size)
	}
	b := &fileBlob{d: d, rel: rel, size: n}
	if err != nil {
		b.Discard()
		return nil, err
	}
	return b, nil
}

// JoinBlobs implements Backend by copying the ranges into a new file.
func (d *DirBackend) JoinBlobs(parts []BlobRange) (Blob, error) {
	f, rel, err := d.newBlobFile()
	if err != nil {
		return nil, err
	}
	b := &fileBlob{d: d, rel: rel}
	for _, p := range parts {
		var rc io.ReadCloser
		if rc, err = p.Blob.Open(p.Offset, p.Length); err != nil {
			break
		}
		var n int64
		n, err = io.Copy(f, rc)
		_ = rc.Close()
		b.size += n
		if err != nil {
			break
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Discard()
		return nil, err
	}
	return b, nil
}

// PutObject implements Backend.
func (d *DirBackend) PutObject(bucket string, o ObjectRecord) error {
	fb, ok := o.Blob.(*fileBlob)
	if !ok || fb.d != d {
		return fmt.Errorf("object %q: blob does not belong to this backend", o.Key)
	}
	d.mu.Lock()
	d.refs[fb.rel]++ // held before the commit so that a concurrent Discard keeps it
	d.mu.Unlock()
	old, replaced, err := d.s.putObject(bucket, o, func() error { return d.writeMeta(bucket, o) })
	if err != nil {
		d.release(fb.rel)
		return err
	}
	if replaced {
		d.release(old.Blob.(*fileBlob).rel)
	}
	return nil
}

func (d *DirBackend) writeMeta(bucket string, o ObjectRecord) error {
	data, err := json.Marshal(dirObjectMeta{
		Key: o.Key, Blob: o.Blob.(*fileBlob).rel, Size: o.Size, ETag: o.ETag, CRC64: o.CRC64, LastModified: o.LastModified,
		Type: o.Type, StorageClass: o.StorageClass, ACL: o.ACL, Owner: o.Owner, Headers: o.Headers, UserMeta: o.UserMeta,
		Tags: o.Tags, Restore: o.Restore,
	})
	if err != nil {
		return err
	}
	return writeFileAtomic(d.metaFile(bucket, o.Key), data)
}

// release drops one reference to a blob file and deletes it at zero.
func (d *DirBackend) release(rel string) {
	d.mu.Lock()
	d.refs[rel]--
	n := d.refs[rel]
	if n <= 0 {
		delete(d.refs, rel)
	}
	d.mu.Unlock()
	if n <= 0 {
		_ = os.Remove(filepath.Join(d.root, filepath.FromSlash(rel)))
	}
}

// GetObject implements Backend.
func (d *DirBackend) GetObject(bucket, key string) (ObjectRecord, error) {
	return d.s.getObject(bucket, key)
}

// UpdateObject implements Backend.
func (d *DirBackend) UpdateObject(bucket, key string, fn func(*ObjectRecord) error) error {
	return d.s.updateObject(bucket, key, fn, func(o ObjectRecord) error { return d.writeMeta(bucket, o) })
}

// DeleteObject implements Backend.
func (d *DirBackend) DeleteObject(bucket, key string) error {
	old, deleted, err := d.s.deleteObject(bucket, key, func() error {
		err := os.Remove(d.metaFile(bucket, key))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil || !deleted {
		return err
	}
	d.release(old.Blob.(*fileBlob).rel)
	return nil
}

// ListObjects implements Backend.
func (d *DirBackend) ListObjects(bucket, from string, limit int) ([]ObjectRecord, error) {
	return d.s.listObjects(bucket, from, limit)
}

// Close implements Backend.
func (d *DirBackend) Close() error { return nil }

// fileBlob is an immutable file under the backend's blobs directory.
type fileBlob struct {
	d    *DirBackend
	rel  string
	size int64
}

func (b *fileBlob) Size() int64 { return b.size }

func (b *fileBlob) Open(off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || off+n > b.size {
		return nil, fmt.Errorf("range %d+%d outside blob of %d bytes", off, n, b.size)
	}
	f, err := os.Open(filepath.Join(b.d.root, filepath.FromSlash(b.rel)))
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, off, n), f}, nil
}

// Discard deletes the blob's file unless an object uses it.
func (b *fileBlob) Discard() {
	b.d.mu.Lock()
	used := b.d.refs[b.rel] > 0
	b.d.mu.Unlock()
	if !used {
		_ = os.Remove(filepath.Join(b.d.root, filepath.FromSlash(b.rel)))
	}
}
