package ossstore

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// The SDK decodes a ListObjectsV2 answer with encoding/xml into
// oss.ListObjectsResultV2: about 9 us of CPU per key, most of what a listing
// costs the client and a tenth of a small-object copy run (BENCHMARKS.md).
// decodeListV2 reads the same answers with a scanner that knows their
// shape: an XML 1.0 UTF-8 declaration, elements with ASCII names and no
// attributes, character data, the predefined entities and character
// references, which is all OSS sends. Anything else (CDATA, comments,
// DOCTYPE, attributes, namespace prefixes, other names) and anything the
// SDK would refuse goes to the SDK's own decoding, so an answer is read
// exactly as the SDK reads it, errors included (FuzzDecodeListV2).

// listV2 is what List takes from an answer. Keys, prefixes and the token are
// unescaped (the request asks for encoding-type=url).
type listV2 struct {
	objects   []storage.Object
	prefixes  []string
	truncated bool
	nextToken string
}

// errNotScanned sends an answer to the SDK's decoding.
var errNotScanned = errors.New("not scanned")

func decodeListV2(data []byte) (listV2, error) {
	if res, err := scanListV2(data); err == nil {
		return res, nil
	}
	return decodeListV2WithSDK(data)
}

// decodeListV2WithSDK is what the SDK's Bucket.ListObjectsV2 does with an
// answer.
func decodeListV2WithSDK(data []byte) (listV2, error) {
	var out oss.ListObjectsResultV2
	if err := xml.Unmarshal(data, &out); err != nil {
		return listV2{}, err
	}
	res := listV2{truncated: out.IsTruncated, objects: make([]storage.Object, len(out.Objects))}
	// The SDK unescapes these too, and fails where they do not unescape.
	for _, v := range []string{out.Prefix, out.StartAfter, out.Delimiter} {
		if _, err := url.QueryUnescape(v); err != nil {
			return listV2{}, err
		}
	}
	var err error
	if res.nextToken, err = url.QueryUnescape(out.NextContinuationToken); err != nil {
		return listV2{}, err
	}
	for i, p := range out.Objects {
		key, err := url.QueryUnescape(p.Key)
		if err != nil {
			return listV2{}, err
		}
		res.objects[i] = storage.Object{Key: key, Size: p.Size, ETag: trimETag(p.ETag), LastModified: p.LastModified, StorageClass: p.StorageClass}
	}
	for _, p := range out.CommonPrefixes {
		prefix, err := url.QueryUnescape(p)
		if err != nil {
			return listV2{}, err
		}
		res.prefixes = append(res.prefixes, prefix)
	}
	return res, nil
}

func scanListV2(data []byte) (listV2, error) {
	s := xmlScanner{data: data}
	name, empty, err := s.root()
	if err != nil {
		return listV2{}, err
	}
	if name != "ListBucketResult" {
		return listV2{}, errNotScanned
	}
	res := listV2{objects: make([]storage.Object, 0, 1000)}
	if empty {
		return res, nil
	}
	for {
		name, empty, end, err := s.child("ListBucketResult")
		if err != nil {
			return listV2{}, err
		}
		if end {
			return res, nil
		}
		switch name {
		case "IsTruncated":
			text, err := s.text(name, empty)
			if err != nil {
				return listV2{}, err
			}
			if res.truncated, err = parseBool(text); err != nil {
				return listV2{}, err
			}
		case "NextContinuationToken":
			text, err := s.text(name, empty)
			if err != nil {
				return listV2{}, err
			}
			if res.nextToken, err = queryUnescape(text); err != nil {
				return listV2{}, err
			}
		case "MaxKeys", "Prefix", "StartAfter", "Delimiter":
			// Unused, but the SDK fails where they do not parse.
			text, err := s.text(name, empty)
			if err != nil {
				return listV2{}, err
			}
			if name == "MaxKeys" {
				_, err = parseInt(text)
			} else {
				_, err = queryUnescape(text)
			}
			if err != nil {
				return listV2{}, errNotScanned
			}
		case "Contents":
			o, err := s.contents(empty)
			if err != nil {
				return listV2{}, err
			}
			res.objects = append(res.objects, o)
		case "CommonPrefixes":
			if res.prefixes, err = s.commonPrefixes(empty, res.prefixes); err != nil {
				return listV2{}, err
			}
		default:
			if err := s.skip(name, empty); err != nil {
				return listV2{}, err
			}
		}
	}
}

func (s *xmlScanner) contents(empty bool) (storage.Object, error) {
	var o storage.Object
	if empty {
		return o, nil
	}
	for {
		name, empty, end, err := s.child("Contents")
		if err != nil || end {
			return o, err
		}
		var text []byte
		switch name {
		case "Key", "LastModified", "ETag", "Size", "StorageClass":
			if text, err = s.text(name, empty); err != nil {
				return o, err
			}
		default:
			if err := s.skip(name, empty); err != nil {
				return o, err
			}
			continue
		}
		switch name {
		case "Key":
			o.Key, err = queryUnescape(text)
		case "LastModified":
			// What encoding/xml does with a time.Time field.
			o.LastModified = time.Time{}
			err = o.LastModified.UnmarshalText(text)
		case "ETag":
			o.ETag = string(bytes.Trim(text, `"`)) // trimETag
		case "Size":
			o.Size, err = parseInt(text)
		case "StorageClass":
			o.StorageClass = storageClass(text)
		}
		if err != nil {
			return o, err
		}
	}
}

func (s *xmlScanner) commonPrefixes(empty bool, prefixes []string) ([]string, error) {
	if empty {
		return prefixes, nil
	}
	for {
		name, empty, end, err := s.child("CommonPrefixes")
		if err != nil || end {
			return prefixes, err
		}
		if name != "Prefix" {
			if err := s.skip(name, empty); err != nil {
				return prefixes, err
			}
			continue
		}
		text, err := s.text(name, empty)
		if err != nil {
			return prefixes, err
		}
		p, err := queryUnescape(text)
		if err != nil {
			return prefixes, err
		}
		prefixes = append(prefixes, p)
	}
}

// storageClass returns the usual classes without allocating.
func storageClass(b []byte) string {
	switch string(b) {
	case "Standard":
		return "Standard"
	case "IA":
		return "IA"
	case "Archive":
		return "Archive"
	case "ColdArchive":
		return "ColdArchive"
	case "DeepColdArchive":
		return "DeepColdArchive"
	}
	return string(b)
}

// queryUnescape is url.QueryUnescape (as the SDK applies it) with one
// allocation, the result's.
func queryUnescape(b []byte) (string, error) {
	if bytes.IndexByte(b, '%') < 0 && bytes.IndexByte(b, '+') < 0 {
		return string(b), nil
	}
	var scratch [256]byte
	out := scratch[:0]
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '+':
			out = append(out, ' ')
		case '%':
			if i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
				return url.QueryUnescape(string(b)) // for its error
			}
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return string(out), nil
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// parseBool and parseInt read values the way encoding/xml does: empty is
// the zero value, surrounding space is ignored.
func parseBool(b []byte) (bool, error) {
	if len(b) == 0 {
		return false, nil
	}
	return strconv.ParseBool(string(bytes.TrimSpace(b)))
}

func parseInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) <= 18 {
		// Up to 18 digits cannot overflow: no string to parse.
		var n int64
		for _, c := range b {
			if c < '0' || c > '9' {
				return strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
			}
			n = n*10 + int64(c-'0')
		}
		return n, nil
	}
	return strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
}

// xmlScanner reads elements without attributes or namespace prefixes and
// their character data; it returns errNotScanned for any other construct.
type xmlScanner struct {
	data    []byte
	pos     int
	buf     []byte // unescaped text, reused
	scratch []byte // ignored text, unescaped only to check it
}

// root skips the XML declaration and white space and reads the root's start
// tag.
func (s *xmlScanner) root() (name string, empty bool, err error) {
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '<' {
			return "", false, errNotScanned
		}
		if s.pos+1 < len(s.data) && s.data[s.pos+1] == '?' {
			body := s.pos + 2 // after "<?"
			end := bytes.Index(s.data[body:], []byte("?>"))
			if end < 0 || !isUTF8Declaration(s.data[body:body+end]) {
				return "", false, errNotScanned
			}
			s.pos = body + end + 2
			continue
		}
		s.pos++
		return s.startTag()
	}
}

// isUTF8Declaration reports an XML declaration (between "<?" and "?>") of
// XML 1.0 in UTF-8, the one encoding/xml reads without help.
func isUTF8Declaration(decl []byte) bool {
	fields := strings.Fields(string(decl))
	if len(fields) < 2 || fields[0] != "xml" {
		return false
	}
	version := false
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || len(v) < 2 || (v[0] != '"' && v[0] != '\'') || v[len(v)-1] != v[0] {
			return false
		}
		switch v = v[1 : len(v)-1]; k {
		case "version":
			version = v == "1.0"
			if !version {
				return false
			}
		case "encoding":
			if !strings.EqualFold(v, "utf-8") {
				return false
			}
		case "standalone":
		default:
			return false
		}
	}
	return version
}

func (s *xmlScanner) skipSpace() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// child reads up to the next child element of parent, ignoring character
// data, and returns its name, or end when parent's end tag comes first.
func (s *xmlScanner) child(parent string) (name string, empty, end bool, err error) {
	i := bytes.IndexByte(s.data[s.pos:], '<')
	if i < 0 {
		return "", false, false, errNotScanned
	}
	// Ignored, but the SDK refuses what is not character data.
	if err := s.checkIgnored(s.data[s.pos : s.pos+i]); err != nil {
		return "", false, false, err
	}
	s.pos += i + 1
	if s.pos < len(s.data) && s.data[s.pos] == '/' {
		s.pos++
		return "", false, true, s.endTag(parent)
	}
	name, empty, err = s.startTag()
	return name, empty, false, err
}

// startTag reads a start tag's name after its "<", up to and including ">"
// or "/>".
func (s *xmlScanner) startTag() (name string, empty bool, err error) {
	start := s.pos
	for s.pos < len(s.data) && isNameByte(s.data[s.pos]) {
		s.pos++
	}
	if s.pos == start || !isNameStart(s.data[start]) {
		return "", false, errNotScanned
	}
	name = internName(s.data[start:s.pos])
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '/' {
		empty = true
		s.pos++
	}
	if s.pos >= len(s.data) || s.data[s.pos] != '>' {
		return "", false, errNotScanned
	}
	s.pos++
	return name, empty, nil
}

// endTag reads "name>" (with optional space before ">") after "</".
func (s *xmlScanner) endTag(name string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(name)) {
		return errNotScanned
	}
	s.pos += len(name)
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '>' {
		return errNotScanned
	}
	s.pos++
	return nil
}

// isNameByte: ASCII letters, digits, '-', '_' and '.'. Names with other
// characters (a namespace prefix's ':', non-ASCII) are left to encoding/xml.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// internName returns the element names of a listing without allocating.
func internName(b []byte) string {
	if n, ok := listNames[string(b)]; ok {
		return n
	}
	return string(b)
}

var listNames = map[string]string{}

func init() {
	for _, n := range []string{
		"ListBucketResult", "Contents", "Key", "LastModified", "ETag", "Size", "StorageClass", "Type",
		"Owner", "ID", "DisplayName", "RestoreInfo", "CommonPrefixes", "Prefix", "IsTruncated",
		"NextContinuationToken", "Name", "MaxKeys", "Delimiter", "EncodingType", "KeyCount",
		"StartAfter", "ContinuationToken",
	} {
		listNames[n] = n
	}
}

// text returns the character data directly inside the element name (whose
// start tag was just read), up to and including its end tag; child
// elements are skipped, as encoding/xml does for a string field. The result
// is valid until the next call.
func (s *xmlScanner) text(name string, empty bool) ([]byte, error) {
	if empty {
		return nil, nil
	}
	// direct is the text while it is one piece without entities: the
	// usual case, returned without a copy.
	var direct []byte
	s.buf = s.buf[:0]
	for pieces := 0; ; pieces++ {
		i := bytes.IndexByte(s.data[s.pos:], '<')
		if i < 0 {
			return nil, errNotScanned
		}
		raw := s.data[s.pos : s.pos+i]
		s.pos += i + 1
		if !isCharData(raw) {
			return nil, errNotScanned
		}
		if pieces == 0 && bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
			direct = raw
		} else {
			if direct != nil {
				s.buf = append(s.buf, direct...)
				direct = nil
			}
			var err error
			if s.buf, err = unescapeText(s.buf, raw); err != nil {
				return nil, err
			}
		}
		if s.pos < len(s.data) && s.data[s.pos] == '/' {
			s.pos++
			if err := s.endTag(name); err != nil {
				return nil, err
			}
			if direct != nil {
				return direct, nil
			}
			return s.buf, nil
		}
		child, empty, err := s.startTag()
		if err != nil {
			return nil, err
		}
		if err := s.skip(child, empty); err != nil {
			return nil, err
		}
	}
}

// skip reads past the element name, whose start tag was just read.
func (s *xmlScanner) skip(name string, empty bool) error {
	if empty {
		return nil
	}
	for {
		child, empty, end, err := s.child(name)
		if err != nil || end {
			return err
		}
		if err := s.skip(child, empty); err != nil {
			return err
		}
	}
}

// checkIgnored refuses text the scanner skips that encoding/xml would
// refuse.
func (s *xmlScanner) checkIgnored(raw []byte) error {
	if len(raw) == 0 {
		return nil
	}
	if !isCharData(raw) {
		return errNotScanned
	}
	if bytes.IndexByte(raw, '&') >= 0 {
		var err error
		if s.scratch, err = unescapeText(s.scratch[:0], raw); err != nil {
			return err
		}
	}
	return nil
}

// isCharData reports raw text that encoding/xml accepts between tags:
// valid UTF-8 of XML characters (no control characters but tab, line feed
// and carriage return; no U+FFFE or U+FFFF), and no "]]>".
func isCharData(raw []byte) bool {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
			return false
		}
		i += n
	}
	return !bytes.Contains(raw, []byte("]]>"))
}

// unescapeText appends raw to dst with entities and character references
// replaced and line ends normalised, as encoding/xml reads character data.
func unescapeText(dst, raw []byte) ([]byte, error) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '&':
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				return nil, errNotScanned
			}
			r, ok := entity(raw[i+1 : i+end])
			if !ok {
				return nil, errNotScanned
			}
			dst = utf8.AppendRune(dst, r)
			i += end
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

// entity resolves the name between '&' and ';'.
func entity(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(n)
	if !isXMLChar(r) {
		return 0, false
	}
	return r, true
}

// isXMLChar is XML 1.0's Char production, which encoding/xml enforces for
// character references.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
