package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEncodeKey(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"empty", "", ""},
		{"plain", "logs/2026/a-b_c.d~e.txt", "logs/2026/a-b_c.d~e.txt"},
		{"space", "my file.txt", "my%20file.txt"},
		{"percent and plus", "100%+1", "100%25%2B1"},
		{"csv specials", "a,b\"c\n", "a%2Cb%22c%0A"},
		{"crlf", "x\r\ny", "x%0D%0Ay"},
		{"unicode", "数据/é", "%E6%95%B0%E6%8D%AE/%C3%A9"},
		{"invalid utf-8 and nul", "\xff\x00", "%FF%00"},
		{"already encoded looking", "%41", "%2541"},
		{"query and hash", "a?b#c&d=e", "a%3Fb%23c%26d%3De"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := encodeKey(tt.key)
			if got != tt.want {
				t.Errorf("encodeKey(%q) = %q, want %q", tt.key, got, tt.want)
			}
			back, err := decodeKey(got)
			if err != nil || back != tt.key {
				t.Errorf("decodeKey(%q) = %q, %v; want %q", got, back, err, tt.key)
			}
		})
	}
}

func TestDecodeKey(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"lower-case hex", "%e6%95%b0", "数", false},
		{"plus stays plus", "a+b", "a+b", false},
		{"unencoded bytes pass", "a b,c", "a b,c", false},
		{"lone percent", "100%", "", true},
		{"one hex digit", "%4", "", true},
		{"bad hex", "%zz", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeKey(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("decodeKey(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzKeyEncoding checks that every key survives encodeKey and decodeKey,
// that the encoded form holds only bytes a CSV field needs no quoting for,
// and that url.PathUnescape decodes it too.
func FuzzKeyEncoding(f *testing.F) {
	for _, seed := range []string{"", "a", "a b", "%", "%25", "+", "\n\r,\"", "数据", "\xff\xfe", "~/._-", "%zz"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		enc := encodeKey(key)
		for i := 0; i < len(enc); i++ {
			if c := enc[i]; !keepInKey(c) && c != '%' {
				t.Fatalf("encodeKey(%q) = %q holds byte %q", key, enc, c)
			}
		}
		dec, err := decodeKey(enc)
		if err != nil || dec != key {
			t.Fatalf("decodeKey(encodeKey(%q)) = %q, %v", key, dec, err)
		}
		if u, err := url.PathUnescape(enc); err != nil || u != key {
			t.Fatalf("url.PathUnescape(encodeKey(%q)) = %q, %v", key, u, err)
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain, \"quoted\"\nnext", "plain, \"quoted\"\nnext"},
		{"crlf\r\nline", "crlf\nline"},
		{"runs\r\r\n", "runs\n"},
		{"lone\rcr\r", "lone\rcr\r"},
		{"mixed\r\rx\r\n", "mixed\r\rx\n"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// roundTripRow writes row as encoding/csv would in a chunk file and parses
// it back.
func roundTripRow(t *testing.T, row Row) Row {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := writeRow(w, row); err != nil {
		t.Fatalf("writeRow: %v", err)
	}
	w.Flush()
	r := csv.NewReader(&buf)
	rec, err := r.Read()
	if err != nil {
		t.Fatalf("read back %q: %v", buf.String(), err)
	}
	got, err := parseRow(rec)
	if err != nil {
		t.Fatalf("parseRow(%q): %v", rec, err)
	}
	return got
}

// FuzzRowRoundTrip checks that a row survives writeRow, encoding/csv and
// parseRow: keys byte-exact, ETag and reason after cleanText, times to the
// nanosecond.
func FuzzRowRoundTrip(f *testing.F) {
	f.Add("a b", "dst/a b", int64(10), uint64(42), true, int64(1764040500), int64(0), "\"etag\"", "no, \"really\"\nnot")
	f.Add("", "", int64(0), uint64(0), false, int64(0), int64(0), "", "")
	f.Add("%+\r\n", "\xff", int64(-1), uint64(math.MaxUint64), true, int64(-62135596800), int64(999999999), " lead", "\r\r\n\\.")
	f.Fuzz(func(t *testing.T, src, dst string, size int64, crc uint64, hasCRC bool, sec, nsec int64, etag, reason string) {
		row := Row{
			SourceKey: src, DestinationKey: dst, Size: size, CRC64: crc, HasCRC64: hasCRC,
			ETag: etag, Reason: reason,
		}
		// RFC 3339 holds years 0 to 9999 only.
		if lm := time.Unix(sec%253402300800, nsec%1e9).UTC(); lm.Year() >= 0 && lm.Year() <= 9999 {
			row.LastModified = lm
		}
		if !hasCRC {
			row.CRC64 = 0
		}
		got := roundTripRow(t, row)
		want := row
		want.ETag, want.Reason = cleanText(etag), cleanText(reason)
		if !got.LastModified.Equal(want.LastModified) {
			t.Fatalf("LastModified %v, want %v", got.LastModified, want.LastModified)
		}
		got.LastModified, want.LastModified = time.Time{}, time.Time{}
		if got != want {
			t.Fatalf("round trip\n got %#v\nwant %#v", got, want)
		}
	})
}

func TestParseRowErrors(t *testing.T) {
	good := []string{"k", "k", "1", "", "", "", ""}
	tests := []struct {
		name    string
		col     int
		value   string
		wantErr string
	}{
		{"source key", colSourceKey, "%x", "source_key"},
		{"destination key", colDestinationKey, "a%", "destination_key"},
		{"size", colSize, "ten", "size"},
		{"empty size", colSize, "", "size"},
		{"crc", colCRC64, "-1", "crc64"},
		{"last modified", colLastModified, "yesterday", "last_modified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := append([]string(nil), good...)
			rec[tt.col] = tt.value
			if _, err := parseRow(rec); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseRow(%q) error %v, want one about %s", rec, err, tt.wantErr)
			}
		})
	}
	if _, err := parseRow(good[:6]); err == nil {
		t.Error("parseRow of 6 fields: no error")
	}
	if _, err := parseRow(good); err != nil {
		t.Errorf("parseRow(%q): %v", good, err)
	}
}
