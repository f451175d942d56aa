package ossemu_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// listingKeys returns n distinct keys that stress listing: escapes of every
// kind (space, unicode, %, +, newline, tab, XML specials, a control byte),
// nesting, empty path segments, trailing slashes, and siblings that sort
// just before and after '/' ("d1-x", "d1.x", "d1/x", "d10").
func listingKeys(n int) []string {
	names := []string{
		"plain", "with space", "ünïcödé", "日本語", "100%", "%41", "a+b", "+", "new\nline",
		"tab\there", "x&y<z>", `quote"s'`, "ctrl\x01", "😀", "~tilde", "q?u#e=ry", "dot.", "..", "",
	}
	dirs := []string{"d0/", "d1/", "d1-", "d1.", "d10/", "d1/sub/", "d1//", "sp ace+%/", "ü/ö/", "new\nline/", "z", "a/b/c/d/"}
	seen := map[string]bool{}
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := fmt.Sprintf("%s%s%04d", dirs[i%len(dirs)], names[(i/len(dirs))%len(names)], i)
		if i%97 == 0 {
			k = dirs[i%len(dirs)] // a "directory marker" object
		}
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
	}
	sort.Strings(keys) // OSS lists in byte order
	return keys
}

// expectListing computes what a listing must return.
func expectListing(keys []string, prefix, delimiter, after string) (contents, prefixes []string) {
	seenCP := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) || k <= after {
			continue
		}
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				cp := k[:len(prefix)+i+len(delimiter)]
				if !seenCP[cp] {
					seenCP[cp] = true
					prefixes = append(prefixes, cp)
				}
				continue
			}
		}
		contents = append(contents, k)
	}
	return contents, prefixes
}

func sameList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: entry %d is %q, want %q", what, i, got[i], want[i])
		}
	}
}

// TestListingPaging lists 2,500 awkward keys page by page, with v2 and v1,
// with and without delimiter: the pages concatenate to exactly the expected
// keys and common prefixes, in order, without duplicates.
func TestListingPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	keys := listingKeys(2500)
	for i, k := range keys {
		e.seed("bkt", ossemu.ObjectSpec{Key: k, Data: []byte(fmt.Sprint(i))})
	}
	if got, _ := e.cloud.Keys("bkt", ""); len(got) != 2500 {
		t.Fatalf("seeded %d keys", len(got))
	}
	b := e.bucket(alice, "bkt")
	cases := []struct {
		prefix, delimiter string
		maxKeys           int
		startAfter        string // v2 only
	}{
		{"", "", 1000, ""},
		{"", "", 97, ""},
		{"", "/", 1000, ""},
		{"", "/", 3, ""},
		{"d1", "/", 7, ""},
		{"d1/", "/", 11, ""},
		{"d1/", "", 250, ""},
		{"sp ace+%/", "/", 5, ""},
		{"new\nline/", "", 13, ""},
		{"", "/", 4, "d1/sub/"},
		{"", "", 333, "d1/zzz"},
		{"", "/", 2, "d1/x"}, // inside a common prefix: the prefix is listed again
		{"", "e", 100, ""},   // a delimiter other than '/'
		{"no-such-prefix/", "/", 10, ""},
	}
	for _, tc := range cases {
		wantContents, wantPrefixes := expectListing(keys, tc.prefix, tc.delimiter, tc.startAfter)
		name := fmt.Sprintf("prefix=%q,delim=%q,max=%d,after=%q", tc.prefix, tc.delimiter, tc.maxKeys, tc.startAfter)
		t.Run("v2/"+name, func(t *testing.T) {
			var contents, prefixes []string
			token := ""
			for page := 0; ; page++ {
				if page > 2600 {
					t.Fatal("listing does not terminate")
				}
				opts := []oss.Option{oss.Prefix(tc.prefix), oss.Delimiter(tc.delimiter), oss.MaxKeys(tc.maxKeys)}
				if tc.startAfter != "" {
					opts = append(opts, oss.StartAfter(tc.startAfter))
				}
				if token != "" {
					opts = append(opts, oss.ContinuationToken(token))
				}
				res, err := b.ListObjectsV2(opts...)
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if res.Prefix != tc.prefix || res.Delimiter != tc.delimiter || res.StartAfter != tc.startAfter || res.MaxKeys != tc.maxKeys {
					t.Fatalf("echoed Prefix %q Delimiter %q StartAfter %q MaxKeys %d", res.Prefix, res.Delimiter, res.StartAfter, res.MaxKeys)
				}
				if n := len(res.Objects) + len(res.CommonPrefixes); n > tc.maxKeys || (res.IsTruncated && n == 0) {
					t.Fatalf("page %d holds %d entries (max %d, truncated %v)", page, n, tc.maxKeys, res.IsTruncated)
				}
				for _, o := range res.Objects {
					contents = append(contents, o.Key)
				}
				prefixes = append(prefixes, res.CommonPrefixes...)
				if !res.IsTruncated {
					if res.NextContinuationToken != "" {
						t.Fatalf("last page has a NextContinuationToken")
					}
					break
				}
				if res.NextContinuationToken == "" || res.NextContinuationToken == token {
					t.Fatalf("page %d: truncated with token %q (previous %q)", page, res.NextContinuationToken, token)
				}
				token = res.NextContinuationToken
			}
			sameList(t, "contents", contents, wantContents)
			sameList(t, "common prefixes", prefixes, wantPrefixes)
		})
		if tc.startAfter != "" {
			continue
		}
		t.Run("v1/"+name, func(t *testing.T) {
			var contents, prefixes []string
			marker := ""
			for page := 0; ; page++ {
				if page > 2600 {
					t.Fatal("listing does not terminate")
				}
				res, err := b.ListObjects(oss.Prefix(tc.prefix), oss.Delimiter(tc.delimiter), oss.MaxKeys(tc.maxKeys), oss.Marker(marker))
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if res.Prefix != tc.prefix || res.Delimiter != tc.delimiter || res.Marker != marker {
					t.Fatalf("echoed Prefix %q Delimiter %q Marker %q", res.Prefix, res.Delimiter, res.Marker)
				}
				if n := len(res.Objects) + len(res.CommonPrefixes); n > tc.maxKeys {
					t.Fatalf("page %d holds %d entries", page, n)
				}
				for _, o := range res.Objects {
					contents = append(contents, o.Key)
					if o.Owner.ID == "" || o.LastModified.IsZero() || o.ETag == "" {
						t.Fatalf("v1 entry %+v lacks owner/time/ETag", o)
					}
				}
				prefixes = append(prefixes, res.CommonPrefixes...)
				if !res.IsTruncated {
					break
				}
				if res.NextMarker == "" || res.NextMarker == marker {
					t.Fatalf("page %d: truncated with NextMarker %q", page, res.NextMarker)
				}
				marker = res.NextMarker
			}
			sameList(t, "contents", contents, wantContents)
			sameList(t, "common prefixes", prefixes, wantPrefixes)
		})
	}
}

// TestListingMaxKeys: default 100, above 1000 capped at 1000, bad values refused.
func TestListingMaxKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	keys := listingKeys(1200)
	for _, k := range keys {
		e.seed("bkt", ossemu.ObjectSpec{Key: k})
	}
	b := e.bucket(alice, "bkt")
	for _, tc := range []struct {
		opts    []oss.Option
		maxKeys int
	}{
		{nil, 100},
		{[]oss.Option{oss.MaxKeys(5000)}, 1000},
		{[]oss.Option{oss.MaxKeys(1000)}, 1000},
		{[]oss.Option{oss.MaxKeys(1)}, 1},
	} {
		v2, err := b.ListObjectsV2(tc.opts...)
		if err != nil || v2.MaxKeys != tc.maxKeys || len(v2.Objects) != tc.maxKeys || !v2.IsTruncated {
			t.Fatalf("v2 %v: MaxKeys %d, %d objects, truncated %v, %v", tc.opts, v2.MaxKeys, len(v2.Objects), v2.IsTruncated, err)
		}
		v1, err := b.ListObjects(tc.opts...)
		if err != nil || v1.MaxKeys != tc.maxKeys || len(v1.Objects) != tc.maxKeys || !v1.IsTruncated {
			t.Fatalf("v1 %v: MaxKeys %d, %d objects, %v", tc.opts, v1.MaxKeys, len(v1.Objects), err)
		}
		sameList(t, "first page", objectKeys(v2.Objects), keys[:tc.maxKeys])
	}
	for _, bad := range []string{"-1", "abc"} {
		_, err := b.ListObjectsV2(oss.AddParam("max-keys", bad))
		wantServiceError(t, err, http.StatusBadRequest, "InvalidArgument")
	}
	_, err := b.ListObjectsV2(oss.ContinuationToken("!!not-a-token!!"))
	wantServiceError(t, err, http.StatusBadRequest, "InvalidArgument")
}

func objectKeys(objs []oss.ObjectProperties) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

// TestListingEncoding checks the raw XML: under encoding-type=url every
// key-like field is URL-encoded ('+' as %2B, so the SDK's QueryUnescape
// restores it); without it keys are plain XML text.
func TestListingEncoding(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	e.seed("bkt", ossemu.ObjectSpec{Key: "p+q r/a+b c%d.txt"}, ossemu.ObjectSpec{Key: "p+q r/sub+dir/x"})
	b := e.bucket(alice, "bkt")
	type rawList struct {
		Prefix         string   `xml:"Prefix"`
		Delimiter      string   `xml:"Delimiter"`
		StartAfter     string   `xml:"StartAfter"`
		EncodingType   string   `xml:"EncodingType"`
		Keys           []string `xml:"Contents>Key"`
		CommonPrefixes []string `xml:"CommonPrefixes>Prefix"`
		KeyCount       int      `xml:"KeyCount"`
	}
	get := func(params map[string]interface{}) rawList {
		t.Helper()
		resp, err := b.Do("GET", "", params, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		data, _ := io.ReadAll(resp.Body)
		var rl rawList
		if err := xml.Unmarshal(data, &rl); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		return rl
	}
	enc := get(map[string]interface{}{"list-type": "2", "encoding-type": "url", "prefix": "p+q r/", "delimiter": "/", "start-after": "p+q r/"})
	want := rawList{Prefix: "p%2Bq+r%2F", Delimiter: "%2F", StartAfter: "p%2Bq+r%2F", EncodingType: "url",
		Keys: []string{"p%2Bq+r%2Fa%2Bb+c%25d.txt"}, CommonPrefixes: []string{"p%2Bq+r%2Fsub%2Bdir%2F"}, KeyCount: 2}
	if fmt.Sprint(enc) != fmt.Sprint(want) {
		t.Fatalf("encoded listing\n got %+v\nwant %+v", enc, want)
	}
	plain := get(map[string]interface{}{"list-type": "2", "prefix": "p+q r/", "delimiter": "/"})
	want = rawList{Prefix: "p+q r/", Delimiter: "/", Keys: []string{"p+q r/a+b c%d.txt"}, CommonPrefixes: []string{"p+q r/sub+dir/"}, KeyCount: 2}
	if fmt.Sprint(plain) != fmt.Sprint(want) {
		t.Fatalf("plain listing\n got %+v\nwant %+v", plain, want)
	}
	// And through the SDK, which always asks for url encoding.
	res, err := b.ListObjectsV2(oss.Prefix("p+q r/"), oss.Delimiter("/"))
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "p+q r/a+b c%d.txt" || len(res.CommonPrefixes) != 1 || res.CommonPrefixes[0] != "p+q r/sub+dir/" {
		t.Fatalf("SDK listing %+v %v", res, err)
	}
}

// TestListingEntries checks the fields of listed objects, v2's fetch-owner
// and an empty bucket.
func TestListingEntries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice}, ossemu.BucketSpec{Name: "empty", Region: hz, Owner: alice})
	data := content(80, 777)
	e.seed("bkt", ossemu.ObjectSpec{Key: "a", Data: data, StorageClass: "IA"}, ossemu.ObjectSpec{Key: "b", StorageClass: "Archive"})
	b := e.bucket(alice, "bkt")
	res, err := b.ListObjectsV2()
	if err != nil || len(res.Objects) != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	a := res.Objects[0]
	if a.Key != "a" || a.Size != 777 || a.ETag != etagOf(data) || a.StorageClass != "IA" || a.Type != "Normal" || a.LastModified.IsZero() || a.Owner.ID != "" {
		t.Fatalf("entry %+v", a)
	}
	if res.Objects[1].StorageClass != "Archive" || res.Objects[1].RestoreInfo != "" {
		t.Fatalf("archive entry %+v", res.Objects[1])
	}
	owned, err := b.ListObjectsV2(oss.FetchOwner(true))
	alc, _ := e.cloud.Account(alice)
	if err != nil || owned.Objects[0].Owner.ID != alc.ID {
		t.Fatalf("fetch-owner: %+v %v", owned.Objects, err)
	}
	empty, err := e.bucket(alice, "empty").ListObjectsV2(oss.Delimiter("/"))
	if err != nil || len(empty.Objects) != 0 || len(empty.CommonPrefixes) != 0 || empty.IsTruncated {
		t.Fatalf("empty bucket: %+v %v", empty, err)
	}
}
