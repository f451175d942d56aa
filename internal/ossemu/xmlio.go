package ossemu

import (
	"encoding/xml"
	"io"
	"strconv"
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
