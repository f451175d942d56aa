// Package storage is the narrow interface the migration engine reaches
// object stores through, and the types that cross it. It imports no SDK: the
// OSS adapter (package ossstore) implements it over the aliyun-oss-go-sdk,
// and other sources (S3-compatible stores, local directories, URL lists)
// would each be one more implementation.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Endpoint says where a bucket lives and how to reach it.
type Endpoint struct {
	Region   string // OSS region ID, e.g. cn-hangzhou
	Endpoint string // URL or host; empty means the region's public endpoint
	Bucket   string
	// Credentials are resolved by the caller; never logged or reported.
	Credentials Credentials
	// SignVersion is "v4" (default) or "v1".
	SignVersion string
}

// Credentials is an access key pair and optional STS token.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// String hides the secret parts, so that credentials printed by mistake
// leak nothing.
func (c Credentials) String() string {
	if c.AccessKeyID == "" {
		return "Credentials{anonymous}"
	}
	id := c.AccessKeyID
	if len(id) > 4 {
		id = id[:4] + "****"
	}
	return "Credentials{" + id + "}"
}

// GoString implements fmt.GoStringer for %#v with the same masking.
func (c Credentials) GoString() string { return c.String() }

// Object is what a listing returns for one object: no CRC and no metadata,
// as OSS listings carry neither.
type Object struct {
	Key          string
	Size         int64
	ETag         string // without quotes, as the server sent it
	LastModified time.Time
	StorageClass string
}

// Metadata is what the engine preserves from source to destination.
type Metadata struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	CacheControl       string
	Expires            string
	ContentLanguage    string
	User               map[string]string // x-oss-meta-* without the prefix, lower-case names
	Tags               map[string]string
	// TagCount is how many tags the object has, as HEAD/GET report it
	// (x-oss-tagging-count); Tags is only filled by an explicit read.
	TagCount     int
	StorageClass string
}

// ObjectInfo is an object's full description from HEAD or GET.
type ObjectInfo struct {
	Object
	// CRC64 is the CRC-64/ECMA-182 of the whole object; HasCRC64 says
	// whether the server sent one.
	CRC64    uint64
	HasCRC64 bool
	Metadata Metadata
}

// ListOptions selects one page of a listing.
type ListOptions struct {
	Prefix string
	// StartAfter starts the listing after this key (first page only).
	StartAfter string
	// ContinuationToken continues a listing from a previous page's NextToken.
	ContinuationToken string
	Delimiter         string
	MaxKeys           int // 1..1000; 0 means 1000
}

// ListPage is one page of a listing in key order.
type ListPage struct {
	Objects        []Object
	CommonPrefixes []string // with a delimiter only
	// NextToken continues the listing; "" when the listing is complete.
	NextToken string
}

// PutResult is what the server answered to a write.
type PutResult struct {
	ETag     string
	CRC64    uint64
	HasCRC64 bool
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number   int
	ETag     string
	Size     int64
	CRC64    uint64
	HasCRC64 bool
}

// Bucket is one bucket seen through one set of credentials.
//
// Every method honours ctx: cancellation aborts the request in flight.
// Errors from the store are *Error (check with errors.As), network failures
// keep their net/io error types, and nothing is retried inside: retry policy
// belongs to the engine.
type Bucket interface {
	// Name is the bucket name; Region its region ID.
	Name() string
	Region() string

	// List returns one page of objects (and common prefixes) in byte order.
	// The page belongs to the caller, which may modify it.
	List(ctx context.Context, opts ListOptions) (ListPage, error)
	// Head returns an object's description, CRC and metadata (not tags).
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Tags reads an object's tags.
	Tags(ctx context.Context, key string) (map[string]string, error)
	// Get reads length bytes from offset (length < 0: to the end) of the
	// object. The returned info describes the whole object (its CRC is the
	// whole object's). ifMatch, when set, makes the read fail if the
	// object's ETag changed.
	Get(ctx context.Context, key string, offset, length int64, ifMatch string) (io.ReadCloser, ObjectInfo, error)
	// Put writes an object of exactly size bytes from r.
	Put(ctx context.Context, key string, r io.Reader, size int64, meta Metadata) (PutResult, error)
	// Copy copies srcBucket/srcKey (same region) to key server-side, with
	// the source's metadata and tags, in the given storage class ("" keeps
	// the bucket default).
	Copy(ctx context.Context, srcBucket, srcKey, key, storageClass string) (PutResult, error)

	// InitMultipart starts a multipart upload for key with meta.
	InitMultipart(ctx context.Context, key string, meta Metadata) (uploadID string, err error)
	// UploadPart uploads part number n (1-based) of exactly size bytes.
	// The Part's CRC64 is the CRC-64 of the bytes read from r and sent
	// (checked against the server's where it reports one); HasCRC64 is
	// false only when the implementation cannot compute it. The engine
	// verifies streamed multipart copies with it instead of hashing every
	// byte a second time.
	UploadPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (Part, error)
	// UploadPartCopy copies a range of srcBucket/srcKey (same region) as part n.
	UploadPartCopy(ctx context.Context, key, uploadID string, n int, srcBucket, srcKey string, offset, size int64) (Part, error)
	// CompleteMultipart assembles the parts (sorted by number by the caller).
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (PutResult, error)
	// AbortMultipart discards an unfinished upload.
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// Opener opens a bucket handle for an endpoint.
type Opener func(ctx context.Context, ep Endpoint) (Bucket, error)

// Error is an error answered by the store.
type Error struct {
	Op         string // Bucket method, e.g. "Put"
	Bucket     string
	Key        string
	StatusCode int
	Code       string // e.g. NoSuchKey, AccessDenied, SlowDown
	Message    string
	RequestID  string
	// Endpoint is set when the store says the bucket must be addressed
	// through another endpoint (wrong region).
	Endpoint string
	// Detail says what Op and Key do not, such as a part number or a
	// copy source.
	Detail string
}

func (e *Error) Error() string {
	where := e.Bucket
	if e.Key != "" {
		where += "/" + e.Key
	}
	if e.Detail != "" {
		where += " (" + e.Detail + ")"
	}
	msg := fmt.Sprintf("%s %s: %d %s: %s", e.Op, where, e.StatusCode, e.Code, e.Message)
	if e.Endpoint != "" {
		msg += " (use endpoint " + e.Endpoint + ")"
	}
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// ErrCRCMismatch reports data whose CRC-64 differs from what it should be.
var ErrCRCMismatch = errors.New("CRC-64 mismatch")

// CRCError says which CRC did not match which.
type CRCError struct {
	What     string
	Got      uint64
	Expected uint64
}

func (e *CRCError) Error() string {
	return fmt.Sprintf("%s: CRC-64 %d, expected %d", e.What, e.Got, e.Expected)
}

// Unwrap makes errors.Is(err, ErrCRCMismatch) true.
func (e *CRCError) Unwrap() error { return ErrCRCMismatch }

// ValidateBucketName applies OSS's bucket naming rules; the error starts
// with the quoted name.
func ValidateBucketName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("%q must be 3 to 63 characters long", name)
	}
	for _, ch := range name {
		if (ch < 'a' || ch > 'z') && (ch < '0' || ch > '9') && ch != '-' {
			return fmt.Errorf("%q may contain only lowercase letters, digits and hyphens", name)
		}
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return fmt.Errorf("%q must not start or end with a hyphen", name)
	}
	return nil
}
