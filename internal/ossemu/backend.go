package ossemu

import (
	"errors"
	"io"
	"maps"
	"time"
)

// Sentinel errors a Backend returns; the router maps them to OSS error codes.
var (
	ErrNoSuchBucket   = errors.New("no such bucket")
	ErrNoSuchKey      = errors.New("no such key")
	ErrBucketExists   = errors.New("bucket already exists")
	ErrBucketNotEmpty = errors.New("bucket not empty")
)

// Backend stores buckets and objects for the emulator.
//
// Contract (what every implementation MUST hold, and what the router relies on):
//   - Safe for concurrent use by many goroutines.
//   - PutObject is atomic: a concurrent or later GetObject/ListObjects sees
//     either the previous object under that key or the new one, never a mix,
//     and a process killed mid-write leaves the previous one.
//   - Records are values: a returned ObjectRecord's maps and Blob are never
//     modified afterwards (UpdateObject works on a copy), so callers may keep
//     them without locks.
//   - A Blob's bytes never change once NewBlob or JoinBlobs returned it; the
//     same Blob may back several objects (copies share data).
//   - ListObjects returns keys >= from in ascending byte order, at most limit.
//   - Bucket and object errors are ErrNoSuchBucket, ErrNoSuchKey,
//     ErrBucketExists or ErrBucketNotEmpty (wrapped or not); anything else is
//     treated as an internal error.
type Backend interface {
	CreateBucket(b BucketRecord) error
	Bucket(name string) (BucketRecord, error)
	UpdateBucket(name string, fn func(*BucketRecord)) error
	DeleteBucket(name string) error
	Buckets() ([]BucketRecord, error)

	// NewBlob stores r's bytes as an uncommitted blob; size is the expected
	// length or -1 when unknown. A blob that no object ends up referencing is
	// released with Discard.
	NewBlob(r io.Reader, size int64) (Blob, error)
	// JoinBlobs makes one blob of the given ranges, in order, sharing bytes
	// where the implementation can.
	JoinBlobs(parts []BlobRange) (Blob, error)

	PutObject(bucket string, o ObjectRecord) error
	GetObject(bucket, key string) (ObjectRecord, error)
	UpdateObject(bucket, key string, fn func(*ObjectRecord) error) error
	DeleteObject(bucket, key string) error
	ListObjects(bucket, from string, limit int) ([]ObjectRecord, error)

	Close() error
}

// Blob is an immutable sequence of bytes held by a Backend.
type Blob interface {
	Size() int64
	// Open reads n bytes starting at off.
	Open(off, n int64) (io.ReadCloser, error)
	// Discard releases a blob that no committed object references; it is a
	// no-op for blobs that back an object.
	Discard()
}

// BlobRange is a byte range of a blob.
type BlobRange struct {
	Blob   Blob
	Offset int64
	Length int64
}

// BucketRecord is a bucket's configuration.
type BucketRecord struct {
	Name         string
	Region       string
	Owner        string // account ID
	ACL          string // private | public-read | public-read-write
	StorageClass string
	Created      time.Time
	// Grants maps an account ID to the permission granted to it on this
	// bucket: "read" or "write" (write implies read).
	Grants map[string]string
}

// RestoreState is where a restore of an archived object stands.
type RestoreState struct {
	Requested bool
	ReadyAt   time.Time
	ExpiresAt time.Time
}

// ObjectRecord is an object's metadata and the blob holding its bytes.
type ObjectRecord struct {
	Key          string
	Blob         Blob
	Size         int64
	ETag         string // unquoted, upper-case hex as OSS sends it
	CRC64        uint64
	LastModified time.Time
	Type         string // Normal | Multipart | Appendable
	StorageClass string
	ACL          string // default | private | public-read | public-read-write
	Owner        string
	// Headers holds the stored content headers by canonical name
	// (Content-Type, Content-Encoding, Content-Disposition, Cache-Control,
	// Expires, Content-Language).
	Headers  map[string]string
	UserMeta map[string]string // lower-case name without x-oss-meta-
	Tags     map[string]string
	Restore  RestoreState
}

func (o ObjectRecord) clone() ObjectRecord {
	o.Headers = maps.Clone(o.Headers)
	o.UserMeta = maps.Clone(o.UserMeta)
	o.Tags = maps.Clone(o.Tags)
	return o
}

func (b BucketRecord) clone() BucketRecord {
	b.Grants = maps.Clone(b.Grants)
	return b
}
