// Package ossstore implements storage.Bucket over Alibaba Cloud OSS with the
// aliyun-oss-go-sdk (v3.0.2). It is the only engine package that imports the
// SDK: everything the SDK returns is converted here, errors included
// (errors.go).
//
// Every request carries the caller's context and is sent once: nothing is
// retried here (net/http itself may resend an idempotent GET or HEAD whose
// reused keep-alive connection was closed before any answer arrived).
package ossstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// Transport limits. One host is one bucket (OSS addresses buckets by host
// name), so these bound the connections to one bucket.
const (
	// maxConnsPerHost leaves room for 64 parallel part transfers to a bucket
	// plus the listing, HEAD and Complete requests around them.
	maxConnsPerHost     = 128
	maxIdleConnsPerHost = maxConnsPerHost
	maxIdleConns        = 4 * maxConnsPerHost

	dialTimeout           = 30 * time.Second
	tlsHandshakeTimeout   = 30 * time.Second
	responseHeaderTimeout = 60 * time.Second
	idleConnTimeout       = 50 * time.Second
	// ioTimeout is how long one read or write on a connection may make no
	// progress; waitTimeout is how long a connection may wait for the server
	// after the last byte was written (OSS may take long to answer a
	// Complete or a large copy). The SDK's own transport uses the same pair
	// (conn.go, timeoutConn: ReadWriteTimeout 60s, LongTimeout 300s).
	ioTimeout   = 60 * time.Second
	waitTimeout = 300 * time.Second
)

// maxListKeys is OSS's largest listing page, and the default.
const maxListKeys = 1000

// Sign versions accepted in storage.Endpoint.SignVersion.
const (
	signV1 = "v1"
	signV4 = "v4"
)

// Open returns a handle on ep.Bucket. It makes no request: a missing bucket
// or bad credentials show on the first call. It implements storage.Opener.
func Open(_ context.Context, ep storage.Endpoint) (storage.Bucket, error) {
	if ep.Bucket == "" {
		return nil, errors.New("open OSS bucket: bucket name is empty")
	}
	if strings.HasPrefix(ep.Region, "oss-") {
		return nil, fmt.Errorf("open OSS bucket %s: region %q: want the region ID without \"oss-\" (%s)", ep.Bucket, ep.Region, strings.TrimPrefix(ep.Region, "oss-"))
	}
	endpoint, err := endpointURL(ep)
	if err != nil {
		return nil, fmt.Errorf("open OSS bucket %s: %w", ep.Bucket, err)
	}
	opts, anonymous, err := clientOptions(ep)
	if err != nil {
		return nil, fmt.Errorf("open OSS bucket %s: %w", ep.Bucket, err)
	}
	hc := newHTTPClient(anonymous)
	opts = append(opts, oss.HTTPClient(hc))
	cred := ep.Credentials
	client, err := oss.New(endpoint, cred.AccessKeyID, cred.AccessKeySecret, opts...)
	if err != nil {
		return nil, fmt.Errorf("open OSS bucket %s at %s: %w", ep.Bucket, endpoint, err)
	}
	b, err := client.Bucket(ep.Bucket)
	if err != nil {
		return nil, fmt.Errorf("open OSS bucket %s: %w", ep.Bucket, err)
	}
	return &bucket{name: ep.Bucket, region: ep.Region, b: b, client: hc}, nil
}

var _ storage.Opener = Open

// endpointURL is ep.Endpoint as an http(s) URL without a path; an empty
// endpoint is the region's public HTTPS endpoint, a bare host gets https.
func endpointURL(ep storage.Endpoint) (string, error) {
	raw := strings.TrimSpace(ep.Endpoint)
	if raw == "" {
		if ep.Region == "" {
			return "", errors.New("neither an endpoint nor a region is set")
		}
		return "https://oss-" + ep.Region + ".aliyuncs.com", nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", ep.Endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("endpoint %q: scheme must be http or https", ep.Endpoint)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("endpoint %q: want a host name or a URL without path, query or user", ep.Endpoint)
	}
	return u.Scheme + "://" + u.Host, nil
}

// clientOptions are the SDK options for ep's signing and credentials, with
// the SDK's logging off. anonymous reports that requests must go unsigned.
func clientOptions(ep storage.Endpoint) (opts []oss.ClientOption, anonymous bool, err error) {
	opts = []oss.ClientOption{
		oss.SetLogLevel(oss.LogOff),
		oss.SetLogger(log.New(io.Discard, "", 0)),
	}
	switch strings.ToLower(ep.SignVersion) {
	case "", signV4:
		if ep.Region == "" {
			return nil, false, errors.New("signature V4 needs the region")
		}
		opts = append(opts, oss.AuthVersion(oss.AuthV4), oss.Region(ep.Region))
	case signV1:
		opts = append(opts, oss.AuthVersion(oss.AuthV1))
	default:
		return nil, false, fmt.Errorf("signature version %q: want v4 or v1", ep.SignVersion)
	}
	cred := ep.Credentials
	switch {
	case cred.AccessKeyID == "" && (cred.AccessKeySecret != "" || cred.SecurityToken != ""):
		return nil, false, errors.New("an access key secret or security token is set without an access key ID")
	case cred.AccessKeyID == "":
		return opts, true, nil
	case cred.AccessKeySecret == "":
		return nil, false, fmt.Errorf("access key %v has no secret", cred)
	}
	if cred.SecurityToken != "" {
		opts = append(opts, oss.SecurityToken(cred.SecurityToken))
	}
	return opts, false, nil
}

// newHTTPClient is the client every SDK request goes through. It carries the
// connection limits itself: oss.MaxConns and the SDK's timeouts only
// configure the SDK's default transport, which oss.HTTPClient replaces
// (conn.go Conn.init). It replaces that default to
//   - dial with the request's context, so cancellation also stops a dial;
//   - never negotiate compression, as a second guard besides the
//     Accept-Encoding: identity that Get sends;
//   - never follow redirects: a signature is bound to its host, and OSS
//     answers a wrong endpoint with an error rather than a redirect;
//   - send anonymous requests unsigned (the SDK signs even with an empty key).
func newHTTPClient(anonymous bool) *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	var rt http.RoundTripper = &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return newStallConn(c), nil
		},
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
		MaxConnsPerHost:       maxConnsPerHost,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		DisableCompression:    true,
	}
	if anonymous {
		rt = unsigned{rt}
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// unsigned sends requests without the Authorization header the SDK always
// adds (auth.go signHeader), so that OSS judges them by ACL as anonymous.
type unsigned struct{ next http.RoundTripper }

func (u unsigned) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper must not change its request
	r.Header.Del("Authorization")
	return u.next.RoundTrip(r)
}

// stallConn fails a connection that makes no progress: each read or write
// must move bytes within ioTimeout, and after a write the server has
// waitTimeout to start answering. Without it a silently dropped connection
// would hang its request until the caller's context ends.
type stallConn struct{ net.Conn }

func newStallConn(c net.Conn) net.Conn {
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	return stallConn{c}
}

func (c stallConn) Read(p []byte) (int, error) {
	_ = c.SetReadDeadline(time.Now().Add(ioTimeout))
	n, err := c.Conn.Read(p)
	// The transport keeps a read pending on idle connections; give it the
	// long deadline so that only active reads are held to ioTimeout.
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	return n, err
}

func (c stallConn) Write(p []byte) (int, error) {
	_ = c.SetWriteDeadline(time.Now().Add(ioTimeout))
	n, err := c.Conn.Write(p)
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	return n, err
}

// bucket is storage.Bucket over one SDK bucket handle with its own
// connection pool. It holds no mutable state, so one value serves any number
// of goroutines.
type bucket struct {
	name, region string
	b            *oss.Bucket
	client       *http.Client
}

var (
	_ storage.Bucket = (*bucket)(nil)
	_ io.Closer      = (*bucket)(nil)
)

// Close closes the handle's idle connections, which otherwise stay open
// (with their goroutines) for up to idleConnTimeout after the last request.
// Requests in flight are not affected; the handle stays usable.
func (b *bucket) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

func (b *bucket) Name() string   { return b.name }
func (b *bucket) Region() string { return b.region }

// List returns one ListObjectsV2 page.
func (b *bucket) List(ctx context.Context, o storage.ListOptions) (storage.ListPage, error) {
	maxKeys := o.MaxKeys
	if maxKeys <= 0 {
		maxKeys = maxListKeys
	}
	opts := []oss.Option{oss.WithContext(ctx), oss.MaxKeys(maxKeys)}
	// Empty parameters are left out rather than sent bare.
	if o.Prefix != "" {
		opts = append(opts, oss.Prefix(o.Prefix))
	}
	if o.StartAfter != "" {
		opts = append(opts, oss.StartAfter(o.StartAfter))
	}
	if o.ContinuationToken != "" {
		opts = append(opts, oss.ContinuationToken(o.ContinuationToken))
	}
	if o.Delimiter != "" {
		opts = append(opts, oss.Delimiter(o.Delimiter))
	}
	// What Bucket.ListObjectsV2 sends, decoded by decodeListV2 instead of
	// the SDK's encoding/xml (listxml.go).
	opts = append(opts, oss.EncodingType("url"), oss.ListType(2))
	params, err := oss.GetRawParams(opts)
	if err != nil {
		return storage.ListPage{}, fmt.Errorf("List %s: %w", b.listWhere(o), err)
	}
	resp, err := b.b.Do(http.MethodGet, "", params, opts, nil, nil)
	if err != nil {
		return storage.ListPage{}, b.fail(ctx, "List", "", listDetail(o), err)
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		// The answer was cut: as retryable as the request failing.
		return storage.ListPage{}, b.fail(ctx, "List", "", listDetail(o), err)
	}
	res, err := decodeListV2(data)
	if err != nil {
		return storage.ListPage{}, fmt.Errorf("List %s: reading the answer: %w", b.listWhere(o), err)
	}
	page := storage.ListPage{Objects: res.objects, CommonPrefixes: res.prefixes}
	if res.truncated {
		if res.nextToken == "" {
			return storage.ListPage{}, fmt.Errorf("List %s/%s: truncated page without a continuation token", b.name, o.Prefix)
		}
		page.NextToken = res.nextToken
	}
	return page, nil
}

// listWhere is the bucket and listDetail, for errors.
func (b *bucket) listWhere(o storage.ListOptions) string {
	if d := listDetail(o); d != "" {
		return b.name + " (" + d + ")"
	}
	return b.name
}

// listDetail names the listing in errors: nothing when it is of the whole
// bucket.
func listDetail(o storage.ListOptions) string {
	if o.Prefix == "" {
		return ""
	}
	return fmt.Sprintf("prefix %q", o.Prefix)
}

// Head sends HEAD (GetObjectDetailedMeta), the request that carries the CRC
// and the storage class.
func (b *bucket) Head(ctx context.Context, key string) (storage.ObjectInfo, error) {
	return b.head(ctx, "Head", key)
}

// head is Head for op, with extra options.
func (b *bucket) head(ctx context.Context, op, key string, opts ...oss.Option) (storage.ObjectInfo, error) {
	h, err := b.b.GetObjectDetailedMeta(key, append(opts, oss.WithContext(ctx))...)
	if err != nil {
		return storage.ObjectInfo{}, b.fail(ctx, op, key, "", err)
	}
	size, err := strconv.ParseInt(h.Get(oss.HTTPHeaderContentLength), 10, 64)
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("%s %s/%s: Content-Length %q: %w", op, b.name, key, h.Get(oss.HTTPHeaderContentLength), err)
	}
	info, err := objectInfo(key, size, h)
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("%s %s/%s: %w", op, b.name, key, err)
	}
	return info, nil
}

// Tags reads an object's tags (GetObjectTagging); no tags is an empty map.
func (b *bucket) Tags(ctx context.Context, key string) (map[string]string, error) {
	res, err := b.b.GetObjectTagging(key, oss.WithContext(ctx))
	if err != nil {
		return nil, b.fail(ctx, "Tags", key, "", err)
	}
	tags := make(map[string]string, len(res.Tags))
	for _, t := range res.Tags {
		tags[t.Key] = t.Value
	}
	return tags, nil
}

// Get sends one GET, ranged unless the whole object is asked for. Ranges
// use OSS's standard behaviour (x-oss-range-behavior: standard): a range
// starting past the end fails with 416 InvalidRange instead of silently
// returning the whole object. A zero-length read sends HEAD and returns an
// empty body.
func (b *bucket) Get(ctx context.Context, key string, offset, length int64, ifMatch string) (io.ReadCloser, storage.ObjectInfo, error) {
	if offset < 0 {
		return nil, storage.ObjectInfo{}, fmt.Errorf("Get %s/%s: negative offset %d", b.name, key, offset)
	}
	if length == 0 {
		return b.getEmpty(ctx, key, offset, ifMatch)
	}
	opts := []oss.Option{oss.WithContext(ctx), oss.AcceptEncoding("identity")}
	ranged := offset > 0 || length > 0
	switch {
	case length > 0:
		opts = append(opts, oss.Range(offset, offset+length-1), oss.RangeBehavior("standard"))
	case offset > 0:
		opts = append(opts, oss.NormalizedRange(strconv.FormatInt(offset, 10)+"-"), oss.RangeBehavior("standard"))
	}
	if ifMatch != "" {
		opts = append(opts, oss.IfMatch(quoteETag(ifMatch)))
	}
	// Bucket.Do, not DoGetObject: for a whole-object GET, DoGetObject runs
	// the body through a CRC-64 that only its caller could check, and the
	// engine computes its own while it streams: a second pass over every
	// byte for nothing. Bucket.Do, unlike DoGetObject, does not refuse an
	// empty key itself.
	if key == "" {
		return nil, storage.ObjectInfo{}, fmt.Errorf("Get %s: empty key", b.name)
	}
	params, err := oss.GetRawParams(opts)
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("Get %s/%s: %w", b.name, key, err)
	}
	resp, err := b.b.Do(http.MethodGet, key, params, opts, nil, nil)
	if err != nil {
		return nil, storage.ObjectInfo{}, b.fail(ctx, "Get", key, "", err)
	}
	body := resp.Body
	size, err := getSize(resp, ranged, offset, length)
	if err == nil {
		var info storage.ObjectInfo
		if info, err = objectInfo(key, size, resp.Headers); err == nil {
			return body, info, nil
		}
	}
	_ = body.Close()
	return nil, storage.ObjectInfo{}, fmt.Errorf("Get %s/%s: %w", b.name, key, err)
}

// getEmpty is Get for length 0.
func (b *bucket) getEmpty(ctx context.Context, key string, offset int64, ifMatch string) (io.ReadCloser, storage.ObjectInfo, error) {
	var opts []oss.Option
	if ifMatch != "" {
		opts = append(opts, oss.IfMatch(quoteETag(ifMatch)))
	}
	info, err := b.head(ctx, "Get", key, opts...)
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	if offset > info.Size {
		return nil, storage.ObjectInfo{}, fmt.Errorf("Get %s/%s: offset %d is past the end (%d bytes)", b.name, key, offset, info.Size)
	}
	return http.NoBody, info, nil
}

// getSize is the whole object's size from a GET response, after checking
// that the body starts at offset and holds no more than length bytes.
func getSize(resp *oss.Response, ranged bool, offset, length int64) (int64, error) {
	h := resp.Headers
	if resp.StatusCode == http.StatusPartialContent {
		first, last, size, err := parseContentRange(h.Get(headerContentRange))
		if err != nil {
			return 0, err
		}
		if first != offset || (length > 0 && last-first+1 > length) {
			return 0, fmt.Errorf("asked for %d bytes at %d, got Content-Range %q", length, offset, h.Get(headerContentRange))
		}
		return size, nil
	}
	size, err := strconv.ParseInt(h.Get(oss.HTTPHeaderContentLength), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("status %d with Content-Length %q", resp.StatusCode, h.Get(oss.HTTPHeaderContentLength))
	}
	// A 200 to a ranged request is the whole object: acceptable only when
	// the range covered it.
	if ranged && (offset > 0 || (length >= 0 && size > length)) {
		return 0, fmt.Errorf("the range (%d bytes at %d) was ignored: status %d with the whole object (%d bytes)", length, offset, resp.StatusCode, size)
	}
	return size, nil
}

// parseContentRange parses "bytes first-last/size".
func parseContentRange(v string) (first, last, size int64, err error) {
	spec, ok := strings.CutPrefix(v, "bytes ")
	rng, total, ok2 := strings.Cut(spec, "/")
	a, z, ok3 := strings.Cut(rng, "-")
	if ok && ok2 && ok3 {
		first, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			last, err = strconv.ParseInt(z, 10, 64)
		}
		if err == nil {
			size, err = strconv.ParseInt(total, 10, 64)
		}
		if err == nil && first >= 0 && first <= last && last < size {
			return first, last, size, nil
		}
	}
	return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", v)
}

// Put sends one PutObject with Content-Length size. The SDK checks the
// CRC-64 the server returns against the bytes it sent.
func (b *bucket) Put(ctx context.Context, key string, r io.Reader, size int64, meta storage.Metadata) (storage.PutResult, error) {
	if size < 0 {
		return storage.PutResult{}, fmt.Errorf("Put %s/%s: negative size %d", b.name, key, size)
	}
	opts := append(writeOptions(meta), oss.WithContext(ctx))
	// A *io.LimitedReader is how the SDK learns the length (utils.go
	// GetReaderLen); any other reader of unknown length would go chunked.
	req := &oss.PutObjectRequest{ObjectKey: key, Reader: io.LimitReader(r, size)}
	resp, err := b.b.DoPutObject(req, opts)
	if resp != nil {
		// DoPutObject leaves the body open on success and on a CRC mismatch.
		defer func() { _ = resp.Body.Close() }()
	}
	if err != nil {
		return storage.PutResult{}, b.failWrite(ctx, "Put", key, "", resp, err)
	}
	return putResult(trimETag(resp.Headers.Get(oss.HTTPHeaderEtag)), resp.Headers)
}

// Copy sends one CopyObject (x-oss-copy-source). It sends no metadata or
// tagging directive: COPY, which keeps the source's metadata and tags, is
// OSS's default for both, and every SDK option and header costs CPU on both
// ends of every copy (cmd/ossbench measured 5-10 % of a small object's for
// these two).
func (b *bucket) Copy(ctx context.Context, srcBucket, srcKey, key, storageClass string) (storage.PutResult, error) {
	var h http.Header
	opts := []oss.Option{oss.WithContext(ctx), oss.GetResponseHeader(&h)}
	if storageClass != "" {
		opts = append(opts, oss.ObjectStorageClass(oss.StorageClassType(storageClass)))
	}
	res, err := b.b.CopyObjectFrom(srcBucket, srcKey, key, opts...)
	if err != nil {
		return storage.PutResult{}, b.fail(ctx, "Copy", key, "from "+srcBucket+"/"+srcKey, err)
	}
	return putResult(trimETag(res.ETag), h)
}

// InitMultipart starts a multipart upload with meta (tags and storage class
// included).
func (b *bucket) InitMultipart(ctx context.Context, key string, meta storage.Metadata) (string, error) {
	opts := append(writeOptions(meta), oss.WithContext(ctx))
	res, err := b.b.InitiateMultipartUpload(key, opts...)
	if err != nil {
		return "", b.fail(ctx, "InitMultipart", key, "", err)
	}
	if res.UploadID == "" {
		return "", fmt.Errorf("InitMultipart %s/%s: no upload ID in the answer", b.name, key)
	}
	return res.UploadID, nil
}

// upload is the SDK's handle on an upload. It names key, not the key the
// Initiate answer echoed, which the SDK would otherwise send later calls to.
func (b *bucket) upload(key, uploadID string) oss.InitiateMultipartUploadResult {
	return oss.InitiateMultipartUploadResult{Bucket: b.name, Key: key, UploadID: uploadID}
}

// UploadPart sends one UploadPart of exactly size bytes and checks the part's
// CRC-64 the way the SDK's DoUploadPart does. It calls Bucket.Do because
// DoUploadPart drops the response, whose CRCs a mismatch report needs and
// whose client-side CRC is the part's (storage.Bucket.UploadPart).
func (b *bucket) UploadPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (storage.Part, error) {
	if key == "" {
		// Bucket.Do, unlike the SDK's object calls, does not refuse it.
		return storage.Part{}, fmt.Errorf("UploadPart %s: empty key", b.name)
	}
	if size < 0 {
		return storage.Part{}, fmt.Errorf("UploadPart %s/%s: part %d: negative size %d", b.name, key, n, size)
	}
	params := map[string]any{"partNumber": strconv.Itoa(n), "uploadId": uploadID}
	resp, err := b.b.Do(http.MethodPut, key, params, []oss.Option{oss.WithContext(ctx)}, io.LimitReader(r, size), nil)
	if resp != nil {
		defer func() { _ = resp.Body.Close() }()
	}
	if err == nil && b.b.GetConfig().IsEnableCRC {
		err = oss.CheckCRC(resp, "UploadPart")
	}
	if err != nil {
		return storage.Part{}, b.failWrite(ctx, "UploadPart", key, "part "+strconv.Itoa(n), resp, err)
	}
	res, err := putResult(trimETag(resp.Headers.Get(oss.HTTPHeaderEtag)), resp.Headers)
	if err != nil {
		return storage.Part{}, fmt.Errorf("UploadPart %s/%s: part %d: %w", b.name, key, n, err)
	}
	if b.b.GetConfig().IsEnableCRC {
		// The SDK hashed the bytes as it sent them (conn.go handleBody) and
		// CheckCRC above compared that with the server's CRC, if any: it is
		// the CRC of what was sent either way (storage.Bucket.UploadPart).
		res.CRC64, res.HasCRC64 = resp.ClientCRC, true
	}
	return storage.Part{Number: n, ETag: res.ETag, Size: size, CRC64: res.CRC64, HasCRC64: res.HasCRC64}, nil
}

// UploadPartCopy copies bytes offset..offset+size-1 of srcBucket/srcKey as
// part n.
func (b *bucket) UploadPartCopy(ctx context.Context, key, uploadID string, n int, srcBucket, srcKey string, offset, size int64) (storage.Part, error) {
	if offset < 0 || size <= 0 {
		return storage.Part{}, fmt.Errorf("UploadPartCopy %s/%s: part %d: bad range of %d bytes at %d", b.name, key, n, size, offset)
	}
	var h http.Header
	p, err := b.b.UploadPartCopy(b.upload(key, uploadID), srcBucket, srcKey, offset, size, n,
		oss.WithContext(ctx), oss.GetResponseHeader(&h))
	if err != nil {
		return storage.Part{}, b.fail(ctx, "UploadPartCopy", key, fmt.Sprintf("part %d from %s/%s", n, srcBucket, srcKey), err)
	}
	res, err := putResult(trimETag(p.ETag), h)
	if err != nil {
		return storage.Part{}, fmt.Errorf("UploadPartCopy %s/%s: part %d: %w", b.name, key, n, err)
	}
	return storage.Part{Number: n, ETag: res.ETag, Size: size, CRC64: res.CRC64, HasCRC64: res.HasCRC64}, nil
}

// CompleteMultipart completes an upload with parts in the given order.
func (b *bucket) CompleteMultipart(ctx context.Context, key, uploadID string, parts []storage.Part) (storage.PutResult, error) {
	up := make([]oss.UploadPart, len(parts))
	for i, p := range parts {
		// Quoted, as UploadPart's ETag header carried it.
		up[i] = oss.UploadPart{PartNumber: p.Number, ETag: quoteETag(p.ETag)}
	}
	var h http.Header
	res, err := b.b.CompleteMultipartUpload(b.upload(key, uploadID), up, oss.WithContext(ctx), oss.GetResponseHeader(&h))
	if err != nil {
		return storage.PutResult{}, b.fail(ctx, "CompleteMultipart", key, "", err)
	}
	etag := trimETag(res.ETag)
	if etag == "" {
		etag = trimETag(h.Get(oss.HTTPHeaderEtag))
	}
	return putResult(etag, h)
}

// AbortMultipart aborts an upload.
func (b *bucket) AbortMultipart(ctx context.Context, key, uploadID string) error {
	if err := b.b.AbortMultipartUpload(b.upload(key, uploadID), oss.WithContext(ctx)); err != nil {
		return b.fail(ctx, "AbortMultipart", key, "", err)
	}
	return nil
}

// writeOptions are the SDK options that store meta with a new object: the
// content headers, user metadata, tags and storage class. An empty
// ContentType lets the SDK choose one from the key's extension.
func writeOptions(meta storage.Metadata) []oss.Option {
	var opts []oss.Option
	for _, s := range []struct {
		header, value string
	}{
		{oss.HTTPHeaderContentType, meta.ContentType},
		{oss.HTTPHeaderContentEncoding, meta.ContentEncoding},
		{oss.HTTPHeaderContentDisposition, meta.ContentDisposition},
		{oss.HTTPHeaderCacheControl, meta.CacheControl},
		// Verbatim: oss.Expires would reformat a time.Time.
		{oss.HTTPHeaderExpires, meta.Expires},
		{oss.HTTPHeaderContentLanguage, meta.ContentLanguage},
	} {
		if s.value != "" {
			opts = append(opts, oss.SetHeader(s.header, s.value))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(meta.User)) {
		opts = append(opts, oss.Meta(k, meta.User[k]))
	}
	if len(meta.Tags) > 0 {
		tagging := oss.Tagging{}
		for _, k := range slices.Sorted(maps.Keys(meta.Tags)) {
			tagging.Tags = append(tagging.Tags, oss.Tag{Key: k, Value: meta.Tags[k]})
		}
		opts = append(opts, oss.SetTagging(tagging))
	}
	if meta.StorageClass != "" {
		opts = append(opts, oss.ObjectStorageClass(oss.StorageClassType(meta.StorageClass)))
	}
	return opts
}

// Response headers the SDK has no constant for.
const (
	headerContentRange = "Content-Range"
	headerTaggingCount = "X-Oss-Tagging-Count"
	// metaPrefix is the canonical form of x-oss-meta-* header names.
	metaPrefix = "X-Oss-Meta-"
)

// objectInfo describes an object from HEAD or GET response headers; size is
// the whole object's.
func objectInfo(key string, size int64, h http.Header) (storage.ObjectInfo, error) {
	info := storage.ObjectInfo{Object: storage.Object{
		Key: key, Size: size, ETag: trimETag(h.Get(oss.HTTPHeaderEtag)), StorageClass: h.Get(oss.HTTPHeaderOssStorageClass),
	}}
	if v := h.Get(oss.HTTPHeaderLastModified); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return info, fmt.Errorf("Last-Modified %q: %w", v, err)
		}
		info.LastModified = t
	}
	var err error
	if info.CRC64, info.HasCRC64, err = crcHeader(h); err != nil {
		return info, err
	}
	m := &info.Metadata
	m.ContentType = h.Get(oss.HTTPHeaderContentType)
	m.ContentEncoding = h.Get(oss.HTTPHeaderContentEncoding)
	m.ContentDisposition = h.Get(oss.HTTPHeaderContentDisposition)
	m.CacheControl = h.Get(oss.HTTPHeaderCacheControl)
	m.Expires = h.Get(oss.HTTPHeaderExpires)
	m.ContentLanguage = h.Get(oss.HTTPHeaderContentLanguage)
	m.StorageClass = info.StorageClass
	for name, vals := range h {
		if len(name) > len(metaPrefix) && strings.EqualFold(name[:len(metaPrefix)], metaPrefix) && len(vals) > 0 {
			if m.User == nil {
				m.User = map[string]string{}
			}
			m.User[strings.ToLower(name[len(metaPrefix):])] = vals[0]
		}
	}
	if v := h.Get(headerTaggingCount); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return info, fmt.Errorf("%s %q is not a count", headerTaggingCount, v)
		}
		m.TagCount = n
	}
	return info, nil
}

// putResult is a write's answer: its ETag and the CRC header, if any.
func putResult(etag string, h http.Header) (storage.PutResult, error) {
	crc, ok, err := crcHeader(h)
	if err != nil {
		return storage.PutResult{}, err
	}
	return storage.PutResult{ETag: etag, CRC64: crc, HasCRC64: ok}, nil
}

// crcHeader reads x-oss-hash-crc64ecma. A value that is not an unsigned
// decimal is an error, not a missing CRC, so that verification is never
// skipped silently.
func crcHeader(h http.Header) (crc uint64, ok bool, err error) {
	v := h.Get(oss.HTTPHeaderOssCRC64)
	if v == "" {
		return 0, false, nil
	}
	crc, err = strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s %q is not a CRC-64", oss.HTTPHeaderOssCRC64, v)
	}
	return crc, true, nil
}

// trimETag removes the quotes OSS puts around ETags; the case is kept.
func trimETag(s string) string { return strings.Trim(s, `"`) }

func quoteETag(s string) string {
	if strings.HasPrefix(s, `"`) {
		return s
	}
	return `"` + s + `"`
}
