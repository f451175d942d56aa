package ossemu

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
)

// Object size limits OSS enforces.
const (
	maxPutSize            = 5 << 30 // PutObject and UploadPart
	maxCopySize           = 5 << 30 // CopyObject between buckets
	maxCopySizeClassShift = 1 << 30 // CopyObject that changes the storage class
	maxTags               = 10
)

// contentHeaders are the standard headers OSS stores with an object and
// returns on GET/HEAD.
var contentHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Cache-Control", "Expires", "Content-Language"}

// objectSettings are what a Put, Initiate or Copy-with-REPLACE request sets.
type objectSettings struct {
	headers  map[string]string
	meta     map[string]string
	class    string
	acl      string
	tags     map[string]string
	tagsSent bool
}

func parseObjectSettings(h http.Header, defaultType bool) (objectSettings, error) {
	s := objectSettings{}
	for _, name := range contentHeaders {
		if v := h.Get(name); v != "" {
			if s.headers == nil {
				s.headers = map[string]string{}
			}
			s.headers[name] = v
		}
	}
	if defaultType && s.headers["Content-Type"] == "" {
		if s.headers == nil {
			s.headers = map[string]string{}
		}
		s.headers["Content-Type"] = "application/octet-stream"
	}
	for k, v := range h {
		lk := strings.ToLower(k)
		if name, ok := strings.CutPrefix(lk, "x-oss-meta-"); ok {
			if s.meta == nil {
				s.meta = map[string]string{}
			}
			s.meta[name] = v[0]
		}
	}
	if v := h.Get("x-oss-storage-class"); v != "" {
		if !validStorageClass(v) {
			return s, errInvalidArgument("Unsupported storage class " + v + ": use Standard, IA, Archive, ColdArchive or DeepColdArchive.")
		}
		s.class = v
	}
	if v := h.Get("x-oss-object-acl"); v != "" {
		if !validObjectACL(v) {
			return s, errInvalidArgument("x-oss-object-acl must be default, private, public-read or public-read-write.")
		}
		s.acl = v
	}
	if v, ok := h["X-Oss-Tagging"]; ok {
		tags, err := parseTagging(v[0])
		if err != nil {
			return s, err
		}
		s.tags, s.tagsSent = tags, true
	}
	return s, nil
}

func parseTagging(v string) (map[string]string, error) {
	q, err := url.ParseQuery(v)
	if err != nil {
		return nil, errInvalidArgument("x-oss-tagging is not a valid query string.")
	}
	if len(q) > maxTags {
		return nil, errInvalidArgument("An object can have at most 10 tags.")
	}
	tags := map[string]string{}
	for k, vs := range q {
		if k == "" {
			return nil, errInvalidArgument("Tag keys must not be empty.")
		}
		tags[k] = vs[0]
	}
	return tags, nil
}

// hashingReader computes MD5 and CRC-64 of what passes through it.
type hashingReader struct {
	r   io.Reader
	md5 hash.Hash
	crc hash.Hash64
}

func newHashingReader(r io.Reader) *hashingReader {
	return &hashingReader{r: r, md5: md5.New(), crc: crc64ecma.New()}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.md5.Write(p[:n])
		h.crc.Write(p[:n])
	}
	return n, err
}

// storeBody reads the request body into a new blob, checking Content-MD5
// against the bytes received.
func (c *Cloud) storeBody(rq *request, limit int64) (Blob, []byte, uint64, error) {
	if rq.r.ContentLength > limit {
		return nil, nil, 0, newError(http.StatusBadRequest, "EntityTooLarge", fmt.Sprintf("Your proposed upload exceeds the maximum allowed size of %d bytes.", limit))
	}
	var wantMD5 []byte
	if v := rq.r.Header.Get("Content-MD5"); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != md5.Size {
			return nil, nil, 0, newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
		}
		wantMD5 = b
	}
	body := io.Reader(http.NoBody)
	if rq.r.Body != nil {
		body = rq.r.Body
	}
	hr := newHashingReader(c.faults.wrapRequestBody(rq, body))
	size := rq.r.ContentLength
	blob, err := c.backend.NewBlob(io.LimitReader(hr, limit+1), size)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read body: %w", err)
	}
	if blob.Size() > limit {
		blob.Discard()
		return nil, nil, 0, newError(http.StatusBadRequest, "EntityTooLarge", fmt.Sprintf("Your proposed upload exceeds the maximum allowed size of %d bytes.", limit))
	}
	sum := hr.md5.Sum(nil)
	if wantMD5 != nil && string(wantMD5) != string(sum) {
		blob.Discard()
		return nil, nil, 0, newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
	}
	return blob, sum, hr.crc.Sum64(), nil
}

func (c *Cloud) putObject(rq *request) error {
	b, err := c.requireWrite(rq)
	if err != nil {
		return err
	}
	set, err := parseObjectSettings(rq.r.Header, true)
	if err != nil {
		return err
	}
	if err := c.checkForbidOverwrite(rq); err != nil {
		return err
	}
	blob, sum, crc, err := c.storeBody(rq, maxPutSize)
	if err != nil {
		return err
	}
	o := ObjectRecord{
		Key: rq.key, Blob: blob, Size: blob.Size(), ETag: strings.ToUpper(hex.EncodeToString(sum)), CRC64: crc,
		LastModified: c.lastModified(), Type: "Normal", StorageClass: firstNonEmpty(set.class, b.StorageClass),
		ACL: firstNonEmpty(set.acl, aclDefault), Owner: b.Owner, Headers: set.headers, UserMeta: set.meta, Tags: set.tags,
	}
	if err := c.backend.PutObject(rq.bucket, o); err != nil {
		blob.Discard()
		return err
	}
	h := rq.w.Header()
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(crc, 10))
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum))
	return writeEmpty(rq, http.StatusOK)
}

func (c *Cloud) checkForbidOverwrite(rq *request) error {
	if !strings.EqualFold(rq.r.Header.Get("x-oss-forbid-overwrite"), "true") {
		return nil
	}
	// Difference from OSS: the check and the write are not one atomic step.
	if _, err := c.backend.GetObject(rq.bucket, rq.key); err == nil {
		return &ossError{Status: http.StatusConflict, Code: "FileAlreadyExists", Message: "The object you specified already exists and can not be overwritten.", Bucket: rq.bucket, Key: rq.key}
	}
	return nil
}

// lastModified is the current time at OSS's one-second resolution, so that
// HEAD's Last-Modified header and listings agree.
func (c *Cloud) lastModified() time.Time { return c.now().UTC().Truncate(time.Second) }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// readableObject loads key from bucket b, if the caller may read it.
func (c *Cloud) readableObject(rq *request, b BucketRecord, key string) (ObjectRecord, error) {
	o, err := c.backend.GetObject(b.Name, key)
	if err != nil {
		if !canRead(rq.account, b, "") {
			// Without list permission OSS does not reveal whether a key exists.
			return o, errAccessDenied("")
		}
		return o, err
	}
	if !canRead(rq.account, b, o.ACL) {
		return o, errAccessDenied("")
	}
	return o, nil
}

// requestObject is readableObject of the request's own bucket and key.
func (c *Cloud) requestObject(rq *request) (ObjectRecord, error) {
	b, err := c.bucketFor(rq)
	if err != nil {
		return ObjectRecord{}, err
	}
	return c.readableObject(rq, b, rq.key)
}

// frozen reports whether an archived object cannot be read now.
func (c *Cloud) frozen(o ObjectRecord) bool {
	if !isArchiveClass(o.StorageClass) {
		return false
	}
	r := o.Restore
	now := c.now()
	return !r.Requested || now.Before(r.ReadyAt) || !now.Before(r.ExpiresAt)
}

func errInvalidObjectState(bucket, key string) error {
	return &ossError{Status: http.StatusForbidden, Code: "InvalidObjectState", Message: "The operation is not valid for the object's state", Bucket: bucket, Key: key}
}

func (c *Cloud) restoreHeader(o ObjectRecord) string {
	if !isArchiveClass(o.StorageClass) || !o.Restore.Requested {
		return ""
	}
	now := c.now()
	if now.Before(o.Restore.ReadyAt) {
		return `ongoing-request="true"`
	}
	if now.Before(o.Restore.ExpiresAt) {
		return `ongoing-request="false", expiry-date="` + o.Restore.ExpiresAt.UTC().Format(http.TimeFormat) + `"`
	}
	return ""
}

// setObjectHeaders writes the headers GET and HEAD share.
func (c *Cloud) setObjectHeaders(rq *request, o ObjectRecord) {
	h := rq.w.Header()
	for _, name := range contentHeaders {
		if v := o.Headers[name]; v != "" {
			h.Set(name, v)
		}
	}
	for k, v := range o.UserMeta {
		h.Set("x-oss-meta-"+k, v)
	}
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-object-type", o.Type)
	h.Set("x-oss-storage-class", o.StorageClass)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	if len(o.Tags) > 0 {
		h.Set("x-oss-tagging-count", strconv.Itoa(len(o.Tags)))
	}
	if v := c.restoreHeader(o); v != "" {
		h.Set("x-oss-restore", v)
	}
	for param, name := range map[string]string{
		"response-content-type": "Content-Type", "response-content-language": "Content-Language",
		"response-expires": "Expires", "response-cache-control": "Cache-Control",
		"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
	} {
		if v := rq.q.Get(param); v != "" {
			h.Set(name, v)
		}
	}
}

// checkConditions evaluates If-Match and friends; it returns the status to
// answer when a condition stops the request (304 or 412), else 0.
func checkConditions(h http.Header, o ObjectRecord) int {
	etag := quoteETag(o.ETag)
	if v := h.Get("If-Match"); v != "" && v != etag && v != o.ETag {
		return http.StatusPreconditionFailed
	}
	if v := h.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && o.LastModified.After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if v := h.Get("If-None-Match"); v != "" && (v == etag || v == o.ETag) {
		return http.StatusNotModified
	}
	if v := h.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !o.LastModified.After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

func errPreconditionFailed() error {
	return newError(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
}

func (c *Cloud) headObject(rq *request) error {
	o, err := c.requestObject(rq)
	if err != nil {
		return err
	}
	switch checkConditions(rq.r.Header, o) {
	case http.StatusPreconditionFailed:
		return errPreconditionFailed()
	case http.StatusNotModified:
		return writeEmpty(rq, http.StatusNotModified)
	}
	c.setObjectHeaders(rq, o)
	rq.w.Header().Set("Content-Length", strconv.FormatInt(o.Size, 10))
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (c *Cloud) getObjectMeta(rq *request) error {
	o, err := c.requestObject(rq)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (c *Cloud) getObject(rq *request) error {
	o, err := c.requestObject(rq)
	if err != nil {
		return err
	}
	if c.frozen(o) {
		return errInvalidObjectState(rq.bucket, rq.key)
	}
	switch checkConditions(rq.r.Header, o) {
	case http.StatusPreconditionFailed:
		return errPreconditionFailed()
	case http.StatusNotModified:
		return writeEmpty(rq, http.StatusNotModified)
	}
	standard := strings.EqualFold(rq.r.Header.Get("x-oss-range-behavior"), "standard")
	first, last, partial, err := parseRange(rq.r.Header.Get("Range"), o.Size, standard)
	if err != nil {
		return err
	}
	c.setObjectHeaders(rq, o)
	n := last - first + 1
	if o.Size == 0 {
		n = 0
	}
	rc, err := o.Blob.Open(first, n)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	h := rq.w.Header()
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, o.Size))
		status = http.StatusPartialContent
	}
	rq.w.WriteHeader(status)
	c.faults.writeBody(rq, rc, n)
	return nil
}

// parseRange interprets a Range header the way OSS does: one range of the
// forms a-b, a- and -n; an invalid or unsatisfiable range is ignored (the
// whole object is returned) unless standard behaviour was asked for, where an
// end past the size is clipped and a start past it is 416.
func parseRange(v string, size int64, standard bool) (first, last int64, partial bool, err error) {
	whole := func() (int64, int64, bool, error) { return 0, size - 1, false, nil }
	spec, ok := strings.CutPrefix(v, "bytes=")
	if v == "" || !ok || strings.Contains(spec, ",") {
		// Difference from OSS: multi-range requests get the whole object.
		return whole()
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return whole()
	}
	invalid := func() (int64, int64, bool, error) {
		if standard {
			return 0, 0, false, newError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range cannot be satisfied.")
		}
		return whole()
	}
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return invalid()
		}
		return max(size-n, 0), size - 1, true, nil
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return invalid()
	}
	end := size - 1
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return invalid()
		}
	}
	if start >= size {
		return invalid()
	}
	if end >= size {
		if !standard && b != "" {
			return whole()
		}
		end = size - 1
	}
	return start, end, true, nil
}

func (c *Cloud) deleteObject(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	if err := c.backend.DeleteObject(rq.bucket, rq.key); err != nil {
		return err
	}
	return writeEmpty(rq, http.StatusNoContent)
}

func (c *Cloud) deleteMultipleObjects(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	var body struct {
		XMLName xml.Name `xml:"Delete"`
		Quiet   bool     `xml:"Quiet"`
		Objects []struct {
			Key string `xml:"Key"`
		} `xml:"Object"`
	}
	data, err := io.ReadAll(io.LimitReader(rq.r.Body, maxXMLBody))
	if err != nil {
		return err
	}
	if v := rq.r.Header.Get("Content-MD5"); v != "" {
		sum := md5.Sum(data)
		if v != base64.StdEncoding.EncodeToString(sum[:]) {
			return newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
		}
	}
	if xml.Unmarshal(controlRefs(data), &body) != nil || len(body.Objects) == 0 || len(body.Objects) > 1000 {
		return errMalformedXML()
	}
	for i := range body.Objects {
		body.Objects[i].Key = restoreControls(body.Objects[i].Key)
	}
	encode := rq.q.Get("encoding-type") == "url"
	type deletedXML struct {
		Key string `xml:"Key"`
	}
	res := struct {
		XMLName      xml.Name     `xml:"DeleteResult"`
		EncodingType string       `xml:"EncodingType,omitempty"`
		Deleted      []deletedXML `xml:"Deleted"`
	}{}
	res.EncodingType = encodingType(encode)
	for _, obj := range body.Objects {
		if err := c.backend.DeleteObject(rq.bucket, obj.Key); err != nil {
			return err
		}
		if !body.Quiet {
			res.Deleted = append(res.Deleted, deletedXML{Key: encodeIf(encode, obj.Key)})
		}
	}
	return writeXML(rq, http.StatusOK, res)
}

func encodeIf(encode bool, s string) string {
	if encode {
		return url.QueryEscape(s)
	}
	return s
}

// parseCopySource decodes x-oss-copy-source: /bucket/url-escaped-key.
func parseCopySource(v string) (bucket, key string, err error) {
	v, _, _ = strings.Cut(v, "?") // versionId: versioning is not emulated
	v = strings.TrimPrefix(v, "/")
	b, k, ok := strings.Cut(v, "/")
	if !ok || b == "" || k == "" {
		return "", "", errInvalidArgument("x-oss-copy-source must be /<bucket>/<key>.")
	}
	key, uerr := url.QueryUnescape(k)
	if uerr != nil {
		return "", "", errInvalidArgument("x-oss-copy-source is not correctly escaped.")
	}
	return b, key, nil
}

// copySourceObject loads the source of CopyObject/UploadPartCopy with OSS's
// checks: same region, read permission, not frozen, copy preconditions.
func (c *Cloud) copySourceObject(rq *request) (ObjectRecord, string, error) {
	srcBucket, srcKey, err := parseCopySource(rq.r.Header.Get("x-oss-copy-source"))
	if err != nil {
		return ObjectRecord{}, "", err
	}
	sb, err := c.backend.Bucket(srcBucket)
	if err != nil {
		return ObjectRecord{}, "", asOSSError(err, srcBucket, srcKey)
	}
	if sb.Region != rq.region {
		// Difference from OSS: the exact error for a cross-region copy is
		// unconfirmed; AccessDenied lets clients fall back to streaming.
		return ObjectRecord{}, "", errAccessDenied("Cross-region copy is not supported: the source bucket is in " + sb.Region + ".")
	}
	o, err := c.readableObject(rq, sb, srcKey)
	if err != nil {
		return o, "", asOSSError(err, srcBucket, srcKey)
	}
	if c.frozen(o) {
		return o, "", errInvalidObjectState(srcBucket, srcKey)
	}
	h := http.Header{}
	for _, n := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if v := rq.r.Header.Get("x-oss-copy-source-" + strings.ToLower(n)); v != "" {
			h.Set(n, v)
		}
	}
	if checkConditions(h, o) != 0 {
		return o, "", errPreconditionFailed()
	}
	return o, srcBucket, nil
}

func (c *Cloud) copyObject(rq *request) error {
	db, err := c.requireWrite(rq)
	if err != nil {
		return err
	}
	src, srcBucket, err := c.copySourceObject(rq)
	if err != nil {
		return err
	}
	set, err := parseObjectSettings(rq.r.Header, false)
	if err != nil {
		return err
	}
	if err := c.checkForbidOverwrite(rq); err != nil {
		return err
	}
	// Difference from OSS: when x-oss-storage-class is absent the copy takes
	// the destination bucket's default class (OSS's documented rule is unclear).
	class := firstNonEmpty(set.class, db.StorageClass)
	sameObject := srcBucket == rq.bucket && src.Key == rq.key
	switch {
	case class != src.StorageClass && src.Size > maxCopySizeClassShift:
		return newError(http.StatusBadRequest, "EntityTooLarge", "CopyObject that changes the storage class supports objects up to 1 GB; use UploadPartCopy.")
	case srcBucket != rq.bucket && src.Size > maxCopySize:
		return newError(http.StatusBadRequest, "EntityTooLarge", "CopyObject between buckets supports objects up to 5 GB; use UploadPartCopy.")
	}
	o := src.clone()
	o.Key, o.LastModified, o.StorageClass, o.Owner = rq.key, c.lastModified(), class, db.Owner
	o.ACL = firstNonEmpty(set.acl, aclDefault)
	o.Restore = RestoreState{}
	if strings.EqualFold(rq.r.Header.Get("x-oss-metadata-directive"), "REPLACE") {
		o.Headers, o.UserMeta = set.headers, set.meta
		if o.Headers["Content-Type"] == "" {
			if o.Headers == nil {
				o.Headers = map[string]string{}
			}
			o.Headers["Content-Type"] = "application/octet-stream"
		}
	}
	switch {
	case strings.EqualFold(rq.r.Header.Get("x-oss-tagging-directive"), "REPLACE"):
		o.Tags = set.tags
	case sameObject:
	default:
		o.Tags = src.Tags
	}
	if err := c.backend.PutObject(rq.bucket, o); err != nil {
		return err
	}
	// The copy shares the source's bytes, so its ETag and CRC are the source's.
	rq.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	return writeXML(rq, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		LastModified string   `xml:"LastModified"`
		ETag         string   `xml:"ETag"`
	}{LastModified: isoTime(o.LastModified), ETag: quoteETag(o.ETag)})
}

type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	} `xml:"TagSet>Tag"`
}

func (c *Cloud) putObjectTagging(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	var body taggingXML
	if err := readXML(rq, &body); err != nil {
		return err
	}
	if len(body.Tags) > maxTags {
		return errInvalidArgument("An object can have at most 10 tags.")
	}
	tags := map[string]string{}
	for _, t := range body.Tags {
		if t.Key == "" {
			return errInvalidArgument("Tag keys must not be empty.")
		}
		tags[t.Key] = t.Value
	}
	err := c.backend.UpdateObject(rq.bucket, rq.key, func(o *ObjectRecord) error { o.Tags = tags; return nil })
	if err != nil {
		return err
	}
	return writeEmpty(rq, http.StatusOK)
}

func (c *Cloud) getObjectTagging(rq *request) error {
	o, err := c.requestObject(rq)
	if err != nil {
		return err
	}
	var res taggingXML
	for _, k := range sortedKeys(o.Tags) {
		res.Tags = append(res.Tags, struct {
			Key   string `xml:"Key"`
			Value string `xml:"Value"`
		}{k, o.Tags[k]})
	}
	return writeXML(rq, http.StatusOK, res)
}

func (c *Cloud) deleteObjectTagging(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	err := c.backend.UpdateObject(rq.bucket, rq.key, func(o *ObjectRecord) error { o.Tags = nil; return nil })
	if err != nil {
		return err
	}
	return writeEmpty(rq, http.StatusNoContent)
}

func (c *Cloud) putObjectACL(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	acl := rq.r.Header.Get("x-oss-object-acl")
	if !validObjectACL(acl) {
		return errInvalidArgument("x-oss-object-acl must be default, private, public-read or public-read-write.")
	}
	if err := c.backend.UpdateObject(rq.bucket, rq.key, func(o *ObjectRecord) error { o.ACL = acl; return nil }); err != nil {
		return err
	}
	return writeEmpty(rq, http.StatusOK)
}

func (c *Cloud) getObjectACL(rq *request) error {
	o, err := c.requestObject(rq)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, aclXML{Owner: c.ownerXML(o.Owner), Grant: o.ACL})
}

func (c *Cloud) restoreObject(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	days := 1
	if rq.r.ContentLength != 0 {
		var body struct {
			XMLName xml.Name `xml:"RestoreRequest"`
			Days    int      `xml:"Days"`
		}
		if err := readXML(rq, &body); err != nil {
			return err
		}
		if body.Days != 0 {
			days = body.Days
		}
	}
	if days < 1 || days > 365 {
		return errInvalidArgument("Days must be between 1 and 365.")
	}
	status := http.StatusAccepted
	now := c.now()
	err := c.backend.UpdateObject(rq.bucket, rq.key, func(o *ObjectRecord) error {
		if !isArchiveClass(o.StorageClass) {
			// Difference from OSS: the exact code for restoring a
			// non-archive object is unconfirmed.
			return &ossError{Status: http.StatusBadRequest, Code: "OperationNotSupported", Message: "The operation is not supported for this resource.", Bucket: rq.bucket, Key: rq.key}
		}
		r := &o.Restore
		switch {
		case r.Requested && now.Before(r.ReadyAt):
			return &ossError{Status: http.StatusConflict, Code: "RestoreAlreadyInProgress", Message: "The restore operation is in progress.", Bucket: rq.bucket, Key: rq.key}
		case r.Requested && now.Before(r.ExpiresAt):
			r.ExpiresAt = now.Add(time.Duration(days) * 24 * time.Hour)
			status = http.StatusOK
		default:
			r.Requested = true
			r.ReadyAt = now.Add(c.cfg.RestoreDelay)
			r.ExpiresAt = r.ReadyAt.Add(time.Duration(days) * 24 * time.Hour)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeEmpty(rq, status)
}
