package ossemu

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxXMLBody bounds the request bodies the emulator parses as XML.
const maxXMLBody = 4 << 20

func writeXML(rq *request, status int, v any) error {
	body, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	body = append([]byte(xml.Header), body...)
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(body)
	return nil
}

func writeEmpty(rq *request, status int) error {
	rq.w.Header().Set("Content-Length", "0")
	rq.w.WriteHeader(status)
	return nil
}

// readXML decodes a request body; malformed or oversized bodies are MalformedXML.
func readXML(rq *request, v any) error {
	data, err := io.ReadAll(io.LimitReader(rq.r.Body, maxXMLBody+1))
	if err != nil {
		return err
	}
	if len(data) > maxXMLBody || xml.Unmarshal(data, v) != nil {
		return errMalformedXML()
	}
	return nil
}

// isoTime formats XML times the way OSS does (RFC 3339, milliseconds, Z).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func quoteETag(etag string) string { return `"` + etag + `"` }

type ownerXML struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

// XML 1.0 forbids C0 control characters even as character references, so
// encoding/xml rejects "&#x01;". The SDK's EscapeXml writes exactly that for
// object keys containing them (DeleteMultipleObjects), and OSS accepts it.
// controlRefs maps such references to runes of a private-use plane before
// decoding; restoreControls maps them back in decoded strings.
var xmlControlRef = regexp.MustCompile(`&#(?:[xX]0*([0-9a-fA-F]{1,2})|0*([0-9]{1,2}));`)

const controlBase = 0xF0000 // Supplementary Private Use Area-A

func controlRefs(data []byte) []byte {
	if !bytes.Contains(data, []byte("&#")) {
		return data
	}
	// A body already holding runes of the placeholder range cannot be
	// mapped back unambiguously; leave it to fail as it would have.
	if bytes.ContainsFunc(data, func(r rune) bool { return r >= controlBase && r < controlBase+0x20 }) {
		return data
	}
	return xmlControlRef.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := xmlControlRef.FindSubmatch(m)
		var n uint64
		var err error
		if len(sub[1]) > 0 {
			n, err = strconv.ParseUint(string(sub[1]), 16, 8)
		} else {
			n, err = strconv.ParseUint(string(sub[2]), 10, 8)
		}
		if err != nil || n >= 0x20 || n == '\t' || n == '\n' || n == '\r' {
			return m
		}
		return []byte(string(rune(controlBase + n)))
	})
}

func restoreControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= controlBase && r < controlBase+0x20 {
			return r - controlBase
		}
		return r
	}, s)
}
