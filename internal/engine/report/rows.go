package report

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// header is the first record of every CSV file; a row has one field per
// column, in this order.
var header = []string{"source_key", "destination_key", "size", "crc64", "last_modified", "etag", "reason"}

// Column indices of header.
const (
	colSourceKey = iota
	colDestinationKey
	colSize
	colCRC64
	colLastModified
	colETag
	colReason
	numColumns
)

// encodeKey percent-encodes every byte of key outside [A-Za-z0-9-_.~/] as
// %XX (upper-case hex), so that newlines, commas, quotes, '%', '+' and
// invalid UTF-8 all survive CSV and a reader that does not know CSV quoting
// sees one key per field. decodeKey reverses it.
func encodeKey(key string) string {
	n := 0
	for i := 0; i < len(key); i++ {
		if !keepInKey(key[i]) {
			n++
		}
	}
	if n == 0 {
		return key
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(key) + 2*n)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if keepInKey(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}

// keepInKey reports whether encodeKey writes c as it is.
func keepInKey(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '~', '/':
		return true
	}
	return false
}

// decodeKey reverses encodeKey with url.PathUnescape's rules: "%XX" (either
// case of hex) is the byte 0xXX, every other byte stands for itself ('+'
// included), and a '%' not followed by two hex digits is an error.
func decodeKey(s string) (string, error) {
	key, err := url.PathUnescape(s)
	if err != nil {
		return "", fmt.Errorf("bad percent-encoded key %q: %w", s, err)
	}
	return key, nil
}

// cleanText returns s as encoding/csv reads it back after writing it: the
// reader turns CR LF into LF even inside quoted fields, so every CR right
// before an LF (a run of them included) is dropped. Every other byte
// survives.
func cleanText(s string) string {
	if !strings.Contains(s, "\r\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	crs := 0 // CRs seen and not yet written
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			crs++
		case '\n':
			crs = 0
			b.WriteByte(c)
		default:
			for ; crs > 0; crs-- {
				b.WriteByte('\r')
			}
			b.WriteByte(c)
		}
	}
	for ; crs > 0; crs-- {
		b.WriteByte('\r')
	}
	return b.String()
}

// writeRow writes row as one CSV record. Keys are percent-encoded; the ETag
// and reason go through encoding/csv's quoting after cleanText.
func writeRow(w *csv.Writer, row Row) error {
	var crc, lastModified string
	if row.HasCRC64 {
		crc = strconv.FormatUint(row.CRC64, 10)
	}
	if !row.LastModified.IsZero() {
		lastModified = row.LastModified.UTC().Format(time.RFC3339Nano)
	}
	return w.Write([]string{
		colSourceKey:      encodeKey(row.SourceKey),
		colDestinationKey: encodeKey(row.DestinationKey),
		colSize:           strconv.FormatInt(row.Size, 10),
		colCRC64:          crc,
		colLastModified:   lastModified,
		colETag:           cleanText(row.ETag),
		colReason:         cleanText(row.Reason),
	})
}

// parseRow is the inverse of writeRow for one record read by encoding/csv.
func parseRow(rec []string) (Row, error) {
	if len(rec) != numColumns {
		return Row{}, fmt.Errorf("%d fields, want %d", len(rec), numColumns)
	}
	var (
		row Row
		err error
	)
	if row.SourceKey, err = decodeKey(rec[colSourceKey]); err != nil {
		return Row{}, fmt.Errorf("source_key: %w", err)
	}
	if row.DestinationKey, err = decodeKey(rec[colDestinationKey]); err != nil {
		return Row{}, fmt.Errorf("destination_key: %w", err)
	}
	if row.Size, err = strconv.ParseInt(rec[colSize], 10, 64); err != nil {
		return Row{}, fmt.Errorf("size: %w", err)
	}
	if s := rec[colCRC64]; s != "" {
		if row.CRC64, err = strconv.ParseUint(s, 10, 64); err != nil {
			return Row{}, fmt.Errorf("crc64: %w", err)
		}
		row.HasCRC64 = true
	}
	if s := rec[colLastModified]; s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return Row{}, fmt.Errorf("last_modified: %w", err)
		}
		row.LastModified = t.UTC()
	}
	row.ETag = rec[colETag]
	row.Reason = rec[colReason]
	return row, nil
}

// checkHeader accepts exactly header.
func checkHeader(rec []string) error {
	if !slices.Equal(rec, header) {
		return fmt.Errorf("header %q, want %q", rec, header)
	}
	return nil
}
