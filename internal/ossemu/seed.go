package ossemu

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"iter"
	"maps"
	"strings"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
)

// BucketSpec describes a bucket to create through the Go API.
type BucketSpec struct {
	Name         string
	Region       string // default: the first configured region
	Owner        string // account name; default: the first configured account
	ACL          string // default private
	StorageClass string // default Standard
}

// CreateBucket creates a bucket directly in the backend.
func (c *Cloud) CreateBucket(spec BucketSpec) error {
	region := firstNonEmpty(spec.Region, c.regions[0])
	if c.endpoints[region] == "" {
		return fmt.Errorf("bucket %q: region %q is not emulated (have %s)", spec.Name, region, strings.Join(c.regions, ", "))
	}
	if !validBucketName(spec.Name) {
		return fmt.Errorf("bucket %q: names are 3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'", spec.Name)
	}
	owner, err := c.ownerOf(spec.Owner)
	if err != nil {
		return fmt.Errorf("bucket %q: %w", spec.Name, err)
	}
	acl := firstNonEmpty(spec.ACL, aclPrivate)
	if !validBucketACL(acl) {
		return fmt.Errorf("bucket %q: ACL %q: want private, public-read or public-read-write", spec.Name, acl)
	}
	class := firstNonEmpty(spec.StorageClass, ClassStandard)
	if !validStorageClass(class) {
		return fmt.Errorf("bucket %q: storage class %q is not an OSS class", spec.Name, class)
	}
	return c.backend.CreateBucket(BucketRecord{Name: spec.Name, Region: region, Owner: owner.ID, ACL: acl, StorageClass: class, Created: c.now().UTC()})
}

func (c *Cloud) ownerOf(name string) (*Account, error) {
	if name == "" {
		return c.byName[c.cfg.Accounts[0].Name], nil
	}
	a, ok := c.byName[name]
	if !ok {
		return nil, fmt.Errorf("unknown account %q", name)
	}
	return a, nil
}

// Grant gives an account read (PermRead) or read-write (PermWrite) access to
// a bucket, standing in for the bucket policies OSS uses for cross-account
// access. An empty perm removes the grant.
func (c *Cloud) Grant(bucket, account, perm string) error {
	a, ok := c.byName[account]
	if !ok {
		return fmt.Errorf("grant on %q: unknown account %q", bucket, account)
	}
	if perm != "" && perm != PermRead && perm != PermWrite {
		return fmt.Errorf("grant on %q: permission %q: want %q or %q", bucket, perm, PermRead, PermWrite)
	}
	return c.backend.UpdateBucket(bucket, func(b *BucketRecord) {
		if b.Grants == nil {
			b.Grants = map[string]string{}
		}
		if perm == "" {
			delete(b.Grants, a.ID)
			return
		}
		b.Grants[a.ID] = perm
	})
}

// SetBucketACL changes a bucket's canned ACL.
func (c *Cloud) SetBucketACL(bucket, acl string) error {
	if !validBucketACL(acl) {
		return fmt.Errorf("bucket %q: ACL %q: want private, public-read or public-read-write", bucket, acl)
	}
	return c.backend.UpdateBucket(bucket, func(b *BucketRecord) { b.ACL = acl })
}

// ObjectSpec describes an object to seed through the Go API.
type ObjectSpec struct {
	Key          string
	Data         []byte
	StorageClass string            // default: the bucket's
	Headers      map[string]string // Content-Type, Cache-Control, ... (canonical names)
	Meta         map[string]string // user metadata without the x-oss-meta- prefix
	Tags         map[string]string
	ACL          string
	LastModified time.Time // default now; truncated to seconds as OSS keeps it
	// Restored makes an archived object readable (a finished restore).
	Restored bool
}

// PutObject stores an object directly in the backend (no HTTP, no counters).
func (c *Cloud) PutObject(bucket string, spec ObjectSpec) error {
	b, err := c.backend.Bucket(bucket)
	if err != nil {
		return err
	}
	if err := checkSeedKey(bucket, spec.Key); err != nil {
		return err
	}
	class := firstNonEmpty(spec.StorageClass, b.StorageClass)
	if !validStorageClass(class) {
		return fmt.Errorf("object %q: storage class %q is not an OSS class", spec.Key, class)
	}
	sum, crc := md5.Sum(spec.Data), crc64ecma.Checksum(spec.Data)
	blob, err := c.backend.NewBlob(bytes.NewReader(spec.Data), int64(len(spec.Data)))
	if err != nil {
		return err
	}
	lm := spec.LastModified
	if lm.IsZero() {
		lm = c.now()
	}
	headers := maps.Clone(spec.Headers)
	if headers["Content-Type"] == "" {
		if headers == nil {
			headers = map[string]string{}
		}
		headers["Content-Type"] = "application/octet-stream"
	}
	meta := map[string]string(nil)
	for k, v := range spec.Meta {
		if meta == nil {
			meta = map[string]string{}
		}
		meta[strings.ToLower(k)] = v
	}
	o := ObjectRecord{
		Key: spec.Key, Blob: blob, Size: int64(len(spec.Data)), ETag: fmt.Sprintf("%X", sum), CRC64: crc,
		LastModified: lm.UTC().Truncate(time.Second), Type: "Normal", StorageClass: class,
		ACL: firstNonEmpty(spec.ACL, aclDefault), Owner: b.Owner, Headers: headers, UserMeta: meta, Tags: maps.Clone(spec.Tags),
	}
	if spec.Restored && isArchiveClass(class) {
		now := c.now()
		o.Restore = RestoreState{Requested: true, ReadyAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	}
	if err := c.backend.PutObject(bucket, o); err != nil {
		blob.Discard()
		return err
	}
	return nil
}

// PutCopies stores spec under each of keys (spec.Key is ignored), as
// PutObject would, but with one blob and one checksum for all of them, as
// server-side copies share them: how cmd/ossemu -synthetic seeds a million
// objects, or a thousand of a mebibyte, in moments.
func (c *Cloud) PutCopies(bucket string, spec ObjectSpec, keys iter.Seq[string]) error {
	var first *ObjectRecord
	for key := range keys {
		if first == nil {
			spec.Key = key
			if err := c.PutObject(bucket, spec); err != nil {
				return err
			}
			o, err := c.backend.GetObject(bucket, key)
			if err != nil {
				return err
			}
			first = &o
			continue
		}
		if err := checkSeedKey(bucket, key); err != nil {
			return err
		}
		o := first.clone()
		o.Key = key
		if err := c.backend.PutObject(bucket, o); err != nil {
			return err
		}
	}
	return nil
}

func checkSeedKey(bucket, key string) error {
	if key == "" {
		return fmt.Errorf("bucket %q: object key must not be empty", bucket)
	}
	if err := validKey(key); err != nil {
		return fmt.Errorf("object %q: %w", key, err)
	}
	return nil
}

// Object returns an object's record and its full content.
func (c *Cloud) Object(bucket, key string) (ObjectRecord, []byte, error) {
	o, err := c.backend.GetObject(bucket, key)
	if err != nil {
		return o, nil, err
	}
	rc, err := o.Blob.Open(0, o.Size)
	if err != nil {
		return o, nil, err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(rc)
	return o, data, err
}

// Keys returns every key in a bucket with the given prefix, in order.
func (c *Cloud) Keys(bucket, prefix string) ([]string, error) {
	var keys []string
	from := prefix
	for {
		batch, err := c.backend.ListObjects(bucket, from, 1000)
		if err != nil {
			return nil, err
		}
		for _, o := range batch {
			if !strings.HasPrefix(o.Key, prefix) {
				return keys, nil
			}
			keys = append(keys, o.Key)
		}
		if len(batch) < 1000 {
			return keys, nil
		}
		from = batch[len(batch)-1].Key + "\x00"
	}
}
