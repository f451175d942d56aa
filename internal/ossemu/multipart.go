package ossemu

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/crc64ecma"
)

// OSS multipart limits.
const (
	minPartNumber = 1
	maxPartNumber = 10000
	minPartSize   = 100 << 10 // every part but the last
)

// Difference from OSS: unfinished uploads live in the emulator's memory and
// are gone after a restart, even with the directory backend.
type upload struct {
	id        string
	bucket    string
	key       string
	initiated time.Time
	settings  objectSettings

	mu    sync.Mutex
	parts map[int]*part
}

type part struct {
	number   int
	blob     Blob
	size     int64
	etag     string
	crc      uint64
	modified time.Time
}

// uploadSet holds the multipart uploads in progress, by upload ID.
type uploadSet struct {
	mu      sync.Mutex
	uploads map[string]*upload
}

func (s *uploadSet) init() { s.uploads = map[string]*upload{} }

func (s *uploadSet) get(bucket, key, id string) (*upload, error) {
	s.mu.Lock()
	u, ok := s.uploads[id]
	s.mu.Unlock()
	if !ok || u.bucket != bucket || u.key != key {
		return nil, &ossError{Status: http.StatusNotFound, Code: "NoSuchUpload", Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", Bucket: bucket, Key: key}
	}
	return u, nil
}

// take removes the upload so that exactly one Complete or Abort wins.
func (s *uploadSet) take(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.uploads[id]; !ok {
		return false
	}
	delete(s.uploads, id)
	return true
}

// UploadInfo describes an unfinished multipart upload.
type UploadInfo struct {
	Bucket    string
	Key       string
	UploadID  string
	Initiated time.Time
	Parts     int
}

// Uploads lists the unfinished multipart uploads of a bucket ("" for all),
// ordered by key and upload ID.
func (c *Cloud) Uploads(bucket string) []UploadInfo {
	c.uploads.mu.Lock()
	var out []UploadInfo
	for _, u := range c.uploads.uploads {
		if bucket == "" || u.bucket == bucket {
			u.mu.Lock()
			out = append(out, UploadInfo{Bucket: u.bucket, Key: u.key, UploadID: u.id, Initiated: u.initiated, Parts: len(u.parts)})
			u.mu.Unlock()
		}
	}
	c.uploads.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].UploadID < out[j].UploadID
	})
	return out
}

func (c *Cloud) initiateMultipartUpload(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	set, err := parseObjectSettings(rq.r.Header, true)
	if err != nil {
		return err
	}
	if err := c.checkForbidOverwrite(rq); err != nil {
		return err
	}
	u := &upload{id: newRequestID() + newRequestID()[:8], bucket: rq.bucket, key: rq.key, initiated: c.now().UTC(), settings: set, parts: map[int]*part{}}
	c.uploads.mu.Lock()
	c.uploads.uploads[u.id] = u
	c.uploads.mu.Unlock()
	// The SDK sends later calls to the Key returned here: echo it verbatim.
	return writeXML(rq, http.StatusOK, struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		UploadID string   `xml:"UploadId"`
	}{Bucket: rq.bucket, Key: rq.key, UploadID: u.id})
}

func partNumber(rq *request) (int, error) {
	n, err := strconv.Atoi(rq.q.Get("partNumber"))
	if err != nil || n < minPartNumber || n > maxPartNumber {
		return 0, errInvalidArgument("Part number must be an integer between 1 and 10000.")
	}
	return n, nil
}

// putPart stores p in u, releasing the part it replaces.
func (u *upload) putPart(p *part) {
	u.mu.Lock()
	old := u.parts[p.number]
	u.parts[p.number] = p
	u.mu.Unlock()
	if old != nil {
		old.blob.Discard()
	}
}

func (c *Cloud) uploadPart(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	n, err := partNumber(rq)
	if err != nil {
		return err
	}
	u, err := c.uploads.get(rq.bucket, rq.key, rq.q.Get("uploadId"))
	if err != nil {
		return err
	}
	blob, sum, crc, err := c.storeBody(rq, maxPutSize)
	if err != nil {
		return err
	}
	p := &part{number: n, blob: blob, size: blob.Size(), etag: strings.ToUpper(hex.EncodeToString(sum)), crc: crc, modified: c.lastModified()}
	u.putPart(p)
	h := rq.w.Header()
	h.Set("ETag", quoteETag(p.etag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(crc, 10))
	return writeEmpty(rq, http.StatusOK)
}

func (c *Cloud) uploadPartCopy(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	n, err := partNumber(rq)
	if err != nil {
		return err
	}
	u, err := c.uploads.get(rq.bucket, rq.key, rq.q.Get("uploadId"))
	if err != nil {
		return err
	}
	src, _, err := c.copySourceObject(rq)
	if err != nil {
		return err
	}
	first, last := int64(0), src.Size-1
	if v := rq.r.Header.Get("x-oss-copy-source-range"); v != "" {
		var ok bool
		if first, last, ok = parseCopyRange(v, src.Size); !ok {
			return newError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The x-oss-copy-source-range is not satisfiable.")
		}
	}
	length := max(last-first+1, 0)
	if length > maxPutSize {
		return newError(http.StatusBadRequest, "EntityTooLarge", "A part may hold at most 5 GB.")
	}
	blob, err := c.backend.JoinBlobs([]BlobRange{{Blob: src.Blob, Offset: first, Length: length}})
	if err != nil {
		return err
	}
	// OSS knows a part's MD5 and CRC; the emulator computes them from the
	// shared bytes (CPU only, no copy).
	rc, err := blob.Open(0, length)
	if err != nil {
		return err
	}
	hr := newHashingReader(rc)
	_, err = io.Copy(io.Discard, hr)
	_ = rc.Close()
	if err != nil {
		return err
	}
	p := &part{number: n, blob: blob, size: length, etag: strings.ToUpper(hex.EncodeToString(hr.md5.Sum(nil))), crc: hr.crc.Sum64(), modified: c.lastModified()}
	u.putPart(p)
	rq.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.crc, 10))
	return writeXML(rq, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CopyPartResult"`
		LastModified string   `xml:"LastModified"`
		ETag         string   `xml:"ETag"`
	}{LastModified: isoTime(p.modified), ETag: quoteETag(p.etag)})
}

func parseCopyRange(v string, size int64) (int64, int64, bool) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first || last >= size {
		return 0, 0, false
	}
	return first, last, true
}

func errInvalidPart(msg string) error {
	return newError(http.StatusBadRequest, "InvalidPart", msg)
}

func (c *Cloud) completeMultipartUpload(rq *request) error {
	b, err := c.requireWrite(rq)
	if err != nil {
		return err
	}
	id := rq.q.Get("uploadId")
	u, err := c.uploads.get(rq.bucket, rq.key, id)
	if err != nil {
		return err
	}
	var body struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Parts   []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
		} `xml:"Part"`
	}
	completeAll := strings.EqualFold(rq.r.Header.Get("x-oss-complete-all"), "yes")
	if !completeAll {
		if err := readXML(rq, &body); err != nil {
			return err
		}
	}
	u.mu.Lock()
	var chosen []*part
	if completeAll {
		for _, p := range u.parts {
			chosen = append(chosen, p)
		}
		sort.Slice(chosen, func(i, j int) bool { return chosen[i].number < chosen[j].number })
	} else {
		for i, bp := range body.Parts {
			if i > 0 && bp.PartNumber <= body.Parts[i-1].PartNumber {
				u.mu.Unlock()
				return newError(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.")
			}
			p, ok := u.parts[bp.PartNumber]
			if !ok {
				u.mu.Unlock()
				return errInvalidPart(fmt.Sprintf("Part %d was not uploaded.", bp.PartNumber))
			}
			if strings.Trim(bp.ETag, `"`) != p.etag {
				u.mu.Unlock()
				return errInvalidPart(fmt.Sprintf("The ETag of part %d does not match the uploaded part.", bp.PartNumber))
			}
			chosen = append(chosen, p)
		}
	}
	u.mu.Unlock()
	if len(chosen) == 0 {
		return errInvalidPart("At least one part must be specified.")
	}
	for i, p := range chosen[:len(chosen)-1] {
		if p.size < minPartSize {
			return newError(http.StatusBadRequest, "EntityTooSmall",
				fmt.Sprintf("Part %d (position %d) is %d bytes; every part but the last must be at least %d bytes.", p.number, i+1, p.size, minPartSize))
		}
	}
	ranges := make([]BlobRange, len(chosen))
	md5s := md5.New()
	var crc uint64
	for i, p := range chosen {
		ranges[i] = BlobRange{Blob: p.blob, Offset: 0, Length: p.size}
		raw, _ := hex.DecodeString(p.etag)
		md5s.Write(raw)
		if i == 0 {
			crc = p.crc
		} else {
			crc = crc64ecma.Combine(crc, p.crc, p.size)
		}
	}
	blob, err := c.backend.JoinBlobs(ranges)
	if err != nil {
		return err
	}
	if !c.uploads.take(id) {
		blob.Discard()
		_, err := c.uploads.get(rq.bucket, rq.key, id)
		return err
	}
	set := u.settings
	// Difference from OSS: OSS's multipart ETag rule is undocumented; this
	// is MD5 over the parts' binary MD5s, then "-<part count>".
	o := ObjectRecord{
		Key: rq.key, Blob: blob, Size: blob.Size(), ETag: fmt.Sprintf("%X-%d", md5s.Sum(nil), len(chosen)), CRC64: crc,
		LastModified: c.lastModified(), Type: "Multipart", StorageClass: firstNonEmpty(set.class, b.StorageClass),
		ACL: firstNonEmpty(set.acl, aclDefault), Owner: b.Owner, Headers: set.headers, UserMeta: set.meta, Tags: set.tags,
	}
	if err := c.backend.PutObject(rq.bucket, o); err != nil {
		blob.Discard()
		return err
	}
	u.discardParts()
	rq.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(crc, 10))
	rq.w.Header().Set("ETag", quoteETag(o.ETag))
	encode := rq.q.Get("encoding-type") == "url"
	return writeXML(rq, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
		EncodingType string   `xml:"EncodingType,omitempty"`
		Location     string   `xml:"Location"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		ETag         string   `xml:"ETag"`
	}{
		EncodingType: encodingType(encode),
		Location:     "http://" + rq.bucket + "." + PublicEndpoint(rq.region) + "/" + encodeIf(encode, rq.key),
		Bucket:       rq.bucket, Key: encodeIf(encode, rq.key), ETag: quoteETag(o.ETag),
	})
}

// discardParts releases the parts' blobs once the upload is completed (the
// object holds what it needs of them) or aborted. Memory blobs share bytes,
// so this only matters on disk.
func (u *upload) discardParts() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, p := range u.parts {
		p.blob.Discard()
	}
}

func (c *Cloud) abortMultipartUpload(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	id := rq.q.Get("uploadId")
	u, err := c.uploads.get(rq.bucket, rq.key, id)
	if err != nil {
		return err
	}
	if !c.uploads.take(id) {
		_, err := c.uploads.get(rq.bucket, rq.key, id)
		return err
	}
	u.discardParts()
	return writeEmpty(rq, http.StatusNoContent)
}

func (c *Cloud) listParts(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	u, err := c.uploads.get(rq.bucket, rq.key, rq.q.Get("uploadId"))
	if err != nil {
		return err
	}
	maxParts := 1000
	if v := rq.q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errInvalidArgument("max-parts must be between 1 and 1000.")
		}
		maxParts = min(n, 1000)
	}
	marker, _ := strconv.Atoi(rq.q.Get("part-number-marker"))
	u.mu.Lock()
	var parts []*part
	for _, p := range u.parts {
		if p.number > marker {
			parts = append(parts, p)
		}
	}
	u.mu.Unlock()
	sort.Slice(parts, func(i, j int) bool { return parts[i].number < parts[j].number })
	truncated := len(parts) > maxParts
	if truncated {
		parts = parts[:maxParts]
	}
	type partXML struct {
		PartNumber    int    `xml:"PartNumber"`
		LastModified  string `xml:"LastModified"`
		ETag          string `xml:"ETag"`
		HashCrc64ecma uint64 `xml:"HashCrc64ecma"`
		Size          int64  `xml:"Size"`
	}
	encode := rq.q.Get("encoding-type") == "url"
	res := struct {
		XMLName              xml.Name  `xml:"ListPartsResult"`
		EncodingType         string    `xml:"EncodingType,omitempty"`
		Bucket               string    `xml:"Bucket"`
		Key                  string    `xml:"Key"`
		UploadID             string    `xml:"UploadId"`
		PartNumberMarker     int       `xml:"PartNumberMarker"`
		NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
		MaxParts             int       `xml:"MaxParts"`
		IsTruncated          bool      `xml:"IsTruncated"`
		Parts                []partXML `xml:"Part"`
	}{Bucket: rq.bucket, Key: encodeIf(encode, rq.key), UploadID: u.id, PartNumberMarker: marker, MaxParts: maxParts, IsTruncated: truncated}
	res.EncodingType = encodingType(encode)
	for _, p := range parts {
		res.Parts = append(res.Parts, partXML{PartNumber: p.number, LastModified: isoTime(p.modified), ETag: quoteETag(p.etag), HashCrc64ecma: p.crc, Size: p.size})
		res.NextPartNumberMarker = p.number
	}
	return writeXML(rq, http.StatusOK, res)
}

func (c *Cloud) listMultipartUploads(rq *request) error {
	if _, err := c.requireWrite(rq); err != nil {
		return err
	}
	q := rq.q
	maxUploads := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errInvalidArgument("max-uploads must be between 1 and 1000.")
		}
		maxUploads = min(n, 1000)
	}
	prefix, delimiter, keyMarker, idMarker := q.Get("prefix"), q.Get("delimiter"), q.Get("key-marker"), q.Get("upload-id-marker")
	type uploadXML struct {
		Key       string `xml:"Key"`
		UploadID  string `xml:"UploadId"`
		Initiated string `xml:"Initiated"`
	}
	encode := q.Get("encoding-type") == "url"
	res := struct {
		XMLName            xml.Name          `xml:"ListMultipartUploadsResult"`
		EncodingType       string            `xml:"EncodingType,omitempty"`
		Bucket             string            `xml:"Bucket"`
		KeyMarker          string            `xml:"KeyMarker"`
		UploadIDMarker     string            `xml:"UploadIdMarker"`
		NextKeyMarker      string            `xml:"NextKeyMarker"`
		NextUploadIDMarker string            `xml:"NextUploadIdMarker"`
		Delimiter          string            `xml:"Delimiter"`
		Prefix             string            `xml:"Prefix"`
		MaxUploads         int               `xml:"MaxUploads"`
		IsTruncated        bool              `xml:"IsTruncated"`
		Uploads            []uploadXML       `xml:"Upload"`
		CommonPrefixes     []commonPrefixXML `xml:"CommonPrefixes"`
	}{Bucket: rq.bucket, KeyMarker: encodeIf(encode, keyMarker), UploadIDMarker: idMarker, Delimiter: encodeIf(encode, delimiter), Prefix: encodeIf(encode, prefix), MaxUploads: maxUploads}
	res.EncodingType = encodingType(encode)
	// Uploads come sorted by key, so the keys sharing a common prefix are
	// contiguous. A page that ends on a common prefix sets NextKeyMarker to
	// the prefix itself; the next page then skips every key under it, so no
	// prefix is listed twice across pages.
	seen := map[string]bool{}
	count := 0
	for _, u := range c.Uploads(rq.bucket) {
		if !strings.HasPrefix(u.Key, prefix) {
			continue
		}
		cp := ""
		if delimiter != "" {
			if i := strings.Index(u.Key[len(prefix):], delimiter); i >= 0 {
				cp = u.Key[:len(prefix)+i+len(delimiter)]
			}
		}
		if (cp != "" && cp == keyMarker) || u.Key < keyMarker || (u.Key == keyMarker && (idMarker == "" || u.UploadID <= idMarker)) {
			continue
		}
		if cp != "" {
			if seen[cp] {
				continue
			}
			if count == maxUploads {
				res.IsTruncated = true
				break
			}
			seen[cp] = true
			count++
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefixXML{Prefix: encodeIf(encode, cp)})
			res.NextKeyMarker, res.NextUploadIDMarker = encodeIf(encode, cp), ""
			continue
		}
		if count == maxUploads {
			res.IsTruncated = true
			break
		}
		count++
		res.Uploads = append(res.Uploads, uploadXML{Key: encodeIf(encode, u.Key), UploadID: u.UploadID, Initiated: isoTime(u.Initiated)})
		res.NextKeyMarker, res.NextUploadIDMarker = encodeIf(encode, u.Key), u.UploadID
	}
	return writeXML(rq, http.StatusOK, res)
}
