package ossemu

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

const (
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
	listBatch      = 256
)

type contentsXML struct {
	Key          string    `xml:"Key"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Type         string    `xml:"Type"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *ownerXML `xml:"Owner,omitempty"`
	RestoreInfo  string    `xml:"RestoreInfo,omitempty"`
}

type commonPrefixXML struct {
	Prefix string `xml:"Prefix"`
}

// listing is one page of a bucket listing, before it is encoded for v1 or v2.
type listing struct {
	objects   []ObjectRecord
	prefixes  []string
	truncated bool
	last      string // the last key or common prefix returned
}

// listPage walks the bucket from after `start` and returns up to maxKeys
// objects and common prefixes. Keys under a common prefix are skipped by
// seeking past the prefix, so a page costs O(maxKeys) index steps however
// many keys a "directory" holds.
func (c *Cloud) listPage(bucket, prefix, delimiter, start string, maxKeys int) (listing, error) {
	var page listing
	from := prefix
	if start >= prefix {
		from = start + "\x00"
	}
	for {
		batch, err := c.backend.ListObjects(bucket, from, listBatch)
		if err != nil {
			return page, err
		}
		if len(batch) == 0 {
			return page, nil
		}
		reseek := false
		for _, o := range batch {
			if !strings.HasPrefix(o.Key, prefix) {
				return page, nil
			}
			item := o.Key
			isPrefix := false
			if delimiter != "" {
				if i := strings.Index(o.Key[len(prefix):], delimiter); i >= 0 {
					item = o.Key[:len(prefix)+i+len(delimiter)]
					isPrefix = true
				}
			}
			if isPrefix && item == start {
				// The previous page ended on this common prefix.
				next, ok := successor(item)
				if !ok {
					return page, nil
				}
				from, reseek = next, true
				break
			}
			if len(page.objects)+len(page.prefixes) == maxKeys {
				page.truncated = true
				return page, nil
			}
			page.last = item
			if !isPrefix {
				page.objects = append(page.objects, o)
				from = o.Key + "\x00"
				continue
			}
			page.prefixes = append(page.prefixes, item)
			next, ok := successor(item)
			if !ok {
				return page, nil
			}
			from, reseek = next, true
			break
		}
		if !reseek && len(batch) < listBatch {
			return page, nil
		}
	}
}

// successor returns the smallest string greater than every string that has
// p as a prefix.
func successor(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// encodingType is the EncodingType element of an answer: "url" when keys in
// it are URL-encoded, else omitted.
func encodingType(encode bool) string {
	if encode {
		return "url"
	}
	return ""
}

func parseMaxKeys(v string) (int, error) {
	if v == "" {
		return defaultMaxKeys, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errInvalidArgument("max-keys must be an integer between 0 and 1000.")
	}
	return min(n, maxMaxKeys), nil
}

func (c *Cloud) contents(page listing, encode, owner bool) []contentsXML {
	out := make([]contentsXML, len(page.objects))
	for i, o := range page.objects {
		out[i] = contentsXML{
			Key: encodeIf(encode, o.Key), LastModified: isoTime(o.LastModified), ETag: quoteETag(o.ETag),
			Type: o.Type, Size: o.Size, StorageClass: o.StorageClass, RestoreInfo: c.restoreHeader(o),
		}
		if owner {
			ow := c.ownerXML(o.Owner)
			out[i].Owner = &ow
		}
	}
	return out
}

func prefixesXML(page listing, encode bool) []commonPrefixXML {
	out := make([]commonPrefixXML, len(page.prefixes))
	for i, p := range page.prefixes {
		out[i] = commonPrefixXML{Prefix: encodeIf(encode, p)}
	}
	return out
}

func (c *Cloud) listObjectsV1(rq *request) error {
	if _, err := c.requireListRead(rq); err != nil {
		return err
	}
	q := rq.q
	maxKeys, err := parseMaxKeys(q.Get("max-keys"))
	if err != nil {
		return err
	}
	prefix, delimiter, marker := q.Get("prefix"), q.Get("delimiter"), q.Get("marker")
	page, err := c.listPage(rq.bucket, prefix, delimiter, marker, maxKeys)
	if err != nil {
		return err
	}
	encode := q.Get("encoding-type") == "url"
	res := struct {
		XMLName        xml.Name          `xml:"ListBucketResult"`
		Name           string            `xml:"Name"`
		Prefix         string            `xml:"Prefix"`
		Marker         string            `xml:"Marker"`
		MaxKeys        int               `xml:"MaxKeys"`
		Delimiter      string            `xml:"Delimiter"`
		EncodingType   string            `xml:"EncodingType,omitempty"`
		IsTruncated    bool              `xml:"IsTruncated"`
		NextMarker     string            `xml:"NextMarker,omitempty"`
		Contents       []contentsXML     `xml:"Contents"`
		CommonPrefixes []commonPrefixXML `xml:"CommonPrefixes"`
	}{
		Name: rq.bucket, Prefix: encodeIf(encode, prefix), Marker: encodeIf(encode, marker), MaxKeys: maxKeys,
		Delimiter: encodeIf(encode, delimiter), IsTruncated: page.truncated,
		Contents: c.contents(page, encode, true), CommonPrefixes: prefixesXML(page, encode),
	}
	res.EncodingType = encodingType(encode)
	if page.truncated {
		res.NextMarker = encodeIf(encode, page.last)
	}
	return writeXML(rq, http.StatusOK, res)
}

// Continuation tokens are the last returned item, base64url-encoded (opaque
// to clients, URL-safe as OSS's are).
func encodeToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", errInvalidArgument("The continuation token provided is incorrect.")
	}
	return string(b), nil
}

func (c *Cloud) listObjectsV2(rq *request) error {
	if _, err := c.requireListRead(rq); err != nil {
		return err
	}
	q := rq.q
	maxKeys, err := parseMaxKeys(q.Get("max-keys"))
	if err != nil {
		return err
	}
	prefix, delimiter, startAfter, token := q.Get("prefix"), q.Get("delimiter"), q.Get("start-after"), q.Get("continuation-token")
	start := startAfter
	if token != "" {
		if start, err = decodeToken(token); err != nil {
			return err
		}
	}
	page, err := c.listPage(rq.bucket, prefix, delimiter, start, maxKeys)
	if err != nil {
		return err
	}
	encode := q.Get("encoding-type") == "url"
	res := struct {
		XMLName               xml.Name          `xml:"ListBucketResult"`
		Name                  string            `xml:"Name"`
		Prefix                string            `xml:"Prefix"`
		StartAfter            string            `xml:"StartAfter,omitempty"`
		ContinuationToken     string            `xml:"ContinuationToken,omitempty"`
		MaxKeys               int               `xml:"MaxKeys"`
		Delimiter             string            `xml:"Delimiter"`
		EncodingType          string            `xml:"EncodingType,omitempty"`
		IsTruncated           bool              `xml:"IsTruncated"`
		NextContinuationToken string            `xml:"NextContinuationToken,omitempty"`
		KeyCount              int               `xml:"KeyCount"`
		Contents              []contentsXML     `xml:"Contents"`
		CommonPrefixes        []commonPrefixXML `xml:"CommonPrefixes"`
	}{
		Name: rq.bucket, Prefix: encodeIf(encode, prefix), StartAfter: encodeIf(encode, startAfter), ContinuationToken: token,
		MaxKeys: maxKeys, Delimiter: encodeIf(encode, delimiter), IsTruncated: page.truncated,
		KeyCount: len(page.objects) + len(page.prefixes),
		Contents: c.contents(page, encode, q.Get("fetch-owner") == "true"), CommonPrefixes: prefixesXML(page, encode),
	}
	res.EncodingType = encodingType(encode)
	if page.truncated {
		res.NextContinuationToken = encodeToken(page.last)
	}
	return writeXML(rq, http.StatusOK, res)
}
