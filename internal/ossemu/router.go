package ossemu

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// regionHandler serves one region's endpoint. It does its own routing:
// http.ServeMux would clean paths (keys may contain "//" and "..") and answer
// with redirects, which OSS never does.
type regionHandler struct {
	cloud  *Cloud
	region string
}

// request is one OSS call being served.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	q       url.Values
	id      string
	region  string
	bucket  string
	key     string
	op      string
	account *Account // nil for anonymous requests
	// bucketRecord is the request's bucket as checkRegion loaded it.
	bucketRecord *BucketRecord
	counter      *opCounter
	faults       map[FaultKind]*Fault // faults hitting this request, if any
}

func (h *regionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := h.cloud
	start := time.Now()
	rq := &request{r: r, q: r.URL.Query(), id: newRequestID(), region: h.region}
	rq.bucket, rq.key = splitBucketKey(r, h.region)
	rq.op = operation(r.Method, rq.bucket, rq.key, rq.q, r.Header)
	rq.counter = c.stats.counter(rq.bucket, rq.op)
	rq.counter.requests.Add(1)
	cw := &countingWriter{ResponseWriter: w, c: rq.counter}
	rq.w = cw
	if r.Body != nil {
		r.Body = &countingReader{r: r.Body, c: rq.counter}
	}

	hdr := w.Header()
	hdr.Set("Server", "AliyunOSS")
	hdr.Set("x-oss-request-id", rq.id)
	hdr.Set("Date", c.now().UTC().Format(http.TimeFormat))

	err := c.serve(rq)
	if err == errAborted {
		return
	}
	if err != nil {
		oe := asOSSError(err, rq.bucket, rq.key)
		drainBody(r)
		hdr.Set("x-oss-server-time", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
		writeError(rq.w, r, oe, rq.id, c.hostID(rq))
	}
	if cw.status >= 200 && cw.status < 300 {
		rq.counter.succeeded.Add(1)
	}
	if c.log.IsDebug() {
		who := "anonymous"
		if rq.account != nil {
			who = rq.account.Name
		}
		c.log.Debug("request", "region", h.region, "op", rq.op, "method", r.Method, "bucket", rq.bucket,
			"key", rq.key, "status", cw.status, "account", who, "duration", time.Since(start), "request_id", rq.id)
	}
}

// serve runs the checks every request goes through, then the operation.
func (c *Cloud) serve(rq *request) error {
	if err := c.faults.before(rq); err != nil {
		return err
	}
	if rq.key != "" {
		if err := validKey(rq.key); err != nil {
			return err
		}
	}
	if rq.bucket != "" && rq.op != "PutBucket" {
		if err := c.checkRegion(rq); err != nil {
			return err
		}
	}
	if err := c.authenticate(rq); err != nil {
		return err
	}
	fn, ok := handlers[rq.op]
	if !ok {
		return newError(http.StatusNotImplemented, "NotImplemented",
			"The emulator does not implement "+rq.op+" ("+rq.r.Method+" "+rq.r.URL.RequestURI()+").")
	}
	return fn(c, rq)
}

// handlers maps operation names to their implementation.
var handlers map[string]func(*Cloud, *request) error

func init() {
	handlers = map[string]func(*Cloud, *request) error{
		"ListBuckets":             (*Cloud).listBuckets,
		"PutBucket":               (*Cloud).putBucket,
		"DeleteBucket":            (*Cloud).deleteBucket,
		"GetBucketLocation":       (*Cloud).getBucketLocation,
		"GetBucketInfo":           (*Cloud).getBucketInfo,
		"GetBucketAcl":            (*Cloud).getBucketACL,
		"PutBucketAcl":            (*Cloud).putBucketACL,
		"ListObjects":             (*Cloud).listObjectsV1,
		"ListObjectsV2":           (*Cloud).listObjectsV2,
		"ListMultipartUploads":    (*Cloud).listMultipartUploads,
		"DeleteMultipleObjects":   (*Cloud).deleteMultipleObjects,
		"PutObject":               (*Cloud).putObject,
		"GetObject":               (*Cloud).getObject,
		"HeadObject":              (*Cloud).headObject,
		"GetObjectMeta":           (*Cloud).getObjectMeta,
		"DeleteObject":            (*Cloud).deleteObject,
		"CopyObject":              (*Cloud).copyObject,
		"PutObjectTagging":        (*Cloud).putObjectTagging,
		"GetObjectTagging":        (*Cloud).getObjectTagging,
		"DeleteObjectTagging":     (*Cloud).deleteObjectTagging,
		"PutObjectAcl":            (*Cloud).putObjectACL,
		"GetObjectAcl":            (*Cloud).getObjectACL,
		"RestoreObject":           (*Cloud).restoreObject,
		"InitiateMultipartUpload": (*Cloud).initiateMultipartUpload,
		"UploadPart":              (*Cloud).uploadPart,
		"UploadPartCopy":          (*Cloud).uploadPartCopy,
		"CompleteMultipartUpload": (*Cloud).completeMultipartUpload,
		"AbortMultipartUpload":    (*Cloud).abortMultipartUpload,
		"ListParts":               (*Cloud).listParts,
	}
}

// operation names the OSS API a request calls.
func operation(method, bucket, key string, q url.Values, h http.Header) string {
	has := func(p string) bool { _, ok := q[p]; return ok }
	switch {
	case bucket == "":
		if method == http.MethodGet {
			return "ListBuckets"
		}
	case key == "":
		switch method {
		case http.MethodPut:
			if has("acl") {
				return "PutBucketAcl"
			}
			if len(q) == 0 {
				return "PutBucket"
			}
		case http.MethodGet:
			switch {
			case has("acl"):
				return "GetBucketAcl"
			case has("location"):
				return "GetBucketLocation"
			case has("bucketInfo"):
				return "GetBucketInfo"
			case has("uploads"):
				return "ListMultipartUploads"
			case q.Get("list-type") == "2":
				return "ListObjectsV2"
			case !hasSubresource(q):
				return "ListObjects"
			}
		case http.MethodDelete:
			if len(q) == 0 {
				return "DeleteBucket"
			}
		case http.MethodPost:
			if has("delete") {
				return "DeleteMultipleObjects"
			}
		}
	default:
		copySource := h.Get("x-oss-copy-source") != ""
		switch method {
		case http.MethodPut:
			switch {
			case has("tagging"):
				return "PutObjectTagging"
			case has("acl"):
				return "PutObjectAcl"
			case has("partNumber") && has("uploadId") && copySource:
				return "UploadPartCopy"
			case has("partNumber") && has("uploadId"):
				return "UploadPart"
			case hasSubresource(q):
			case copySource:
				return "CopyObject"
			default:
				return "PutObject"
			}
		case http.MethodGet:
			switch {
			case has("tagging"):
				return "GetObjectTagging"
			case has("acl"):
				return "GetObjectAcl"
			case has("uploadId"):
				return "ListParts"
			case !hasSubresource(q):
				return "GetObject"
			}
		case http.MethodHead:
			switch {
			case has("objectMeta"):
				return "GetObjectMeta"
			case !hasSubresource(q):
				return "HeadObject"
			}
		case http.MethodDelete:
			switch {
			case has("tagging"):
				return "DeleteObjectTagging"
			case has("uploadId"):
				return "AbortMultipartUpload"
			case !hasSubresource(q):
				return "DeleteObject"
			}
		case http.MethodPost:
			switch {
			case has("uploads"):
				return "InitiateMultipartUpload"
			case has("uploadId"):
				return "CompleteMultipartUpload"
			case has("restore"):
				return "RestoreObject"
			}
		}
	}
	return "Unsupported:" + method
}

// queryParams that select no sub-resource: listing/paging options, response
// header overrides and signature parameters.
var plainParams = map[string]bool{
	"prefix": true, "marker": true, "max-keys": true, "delimiter": true, "encoding-type": true,
	"list-type": true, "continuation-token": true, "start-after": true, "fetch-owner": true,
	"response-content-type": true, "response-content-language": true, "response-expires": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
	"OSSAccessKeyId": true, "Expires": true, "Signature": true, "security-token": true,
	"x-oss-signature-version": true, "x-oss-credential": true, "x-oss-date": true, "x-oss-expires": true,
	"x-oss-signature": true, "x-oss-additional-headers": true, "x-oss-security-token": true,
	"x-oss-traffic-limit": true,
}

func hasSubresource(q url.Values) bool {
	for k := range q {
		if !plainParams[k] {
			return true
		}
	}
	return false
}

// splitBucketKey finds the bucket and key of a request: from the Host header
// for virtual-hosted requests (<bucket>.oss-<region>.aliyuncs.com), else from
// the path (/<bucket>/<key>). The key is everything after the bucket's slash,
// verbatim: "//" and ".." are legal in OSS keys.
func splitBucketKey(r *http.Request, region string) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	path := r.URL.Path
	for _, suffix := range []string{"." + PublicEndpoint(region), ".oss-" + region + "-internal.aliyuncs.com"} {
		if b, ok := strings.CutSuffix(host, suffix); ok && b != "" {
			return b, strings.TrimPrefix(path, "/")
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// validKey applies OSS's object naming rules.
func validKey(key string) error {
	switch {
	case len(key) > 1023:
		return newError(http.StatusBadRequest, "InvalidObjectName", "The length of the object name must be less than 1024 bytes.")
	case !utf8.ValidString(key):
		return newError(http.StatusBadRequest, "InvalidObjectName", "The object name must be valid UTF-8.")
	case strings.HasPrefix(key, "/") || strings.HasPrefix(key, `\`):
		return newError(http.StatusBadRequest, "InvalidObjectName", `The object name must not start with "/" or "\".`)
	}
	return nil
}

// checkRegion answers OSS's wrong-endpoint error when a bucket is addressed
// on another region's endpoint.
func (c *Cloud) checkRegion(rq *request) error {
	b, err := c.backend.Bucket(rq.bucket)
	if err != nil {
		return err
	}
	rq.bucketRecord = &b
	if b.Region != rq.region {
		return &ossError{
			Status: http.StatusForbidden, Code: "AccessDenied",
			Message: "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			Bucket:  rq.bucket, Endpoint: PublicEndpoint(b.Region),
		}
	}
	return nil
}

func (c *Cloud) hostID(rq *request) string {
	if rq.bucket == "" {
		return PublicEndpoint(rq.region)
	}
	return rq.bucket + "." + PublicEndpoint(rq.region)
}

// drainBody reads what is left of a request body (bounded) so that an early
// error answer reaches the client instead of a broken pipe.
func drainBody(r *http.Request) {
	if r.Body == nil {
		return
	}
	buf := make([]byte, 32<<10)
	var total int64
	for total < 6<<30 {
		n, err := r.Body.Read(buf)
		total += int64(n)
		if err != nil {
			return
		}
	}
}
