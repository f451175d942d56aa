package ossstore

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// ossSample is the ListObjectsV2 answer of OSS's API reference, with an
// archived object's RestoreInfo, an owner and a common prefix added.
const ossSample = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
    <Name>examplebucket</Name>
    <Prefix>a</Prefix>
    <MaxKeys>3</MaxKeys>
    <EncodingType>url</EncodingType>
    <IsTruncated>true</IsTruncated>
    <NextContinuationToken>CgJiYw--</NextContinuationToken>
    <KeyCount>3</KeyCount>
    <Contents>
        <Key>a</Key>
        <LastModified>2020-05-18T05:45:43.000Z</LastModified>
        <ETag>"35A27C2B9EAEEB6F48FD7FB5861D****"</ETag>
        <Size>25</Size>
        <StorageClass>STANDARD</StorageClass>
        <Owner>
            <ID>1686240967192623</ID>
            <DisplayName>1686240967192623</DisplayName>
        </Owner>
    </Contents>
    <Contents>
        <Key>a/b%2Bc%20d</Key>
        <LastModified>2020-05-18T05:45:47.000Z</LastModified>
        <ETag>&quot;35A27C2B9EAEEB6F48FD7FB5861D****&quot;</ETag>
        <Type>Normal</Type>
        <Size>0</Size>
        <StorageClass>Archive</StorageClass>
        <RestoreInfo>ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"</RestoreInfo>
    </Contents>
    <CommonPrefixes>
        <Prefix>a/dir%2F/</Prefix>
    </CommonPrefixes>
</ListBucketResult>`

func TestDecodeListV2Sample(t *testing.T) {
	got, err := scanListV2([]byte(ossSample))
	if err != nil {
		t.Fatalf("the scanner refused OSS's own example: %v", err)
	}
	want := listV2{
		truncated: true, nextToken: "CgJiYw--",
		objects: []storage.Object{
			{Key: "a", LastModified: time.Date(2020, 5, 18, 5, 45, 43, 0, time.UTC), ETag: "35A27C2B9EAEEB6F48FD7FB5861D****", Size: 25, StorageClass: "STANDARD"},
			{Key: "a/b+c d", LastModified: time.Date(2020, 5, 18, 5, 45, 47, 0, time.UTC), ETag: "35A27C2B9EAEEB6F48FD7FB5861D****", StorageClass: "Archive"},
		},
		prefixes: []string{"a/dir//"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("scanned\n %+v\nwant\n %+v", got, want)
	}
	sdk, err := decodeListV2WithSDK([]byte(ossSample))
	if err != nil || !reflect.DeepEqual(sdk, want) {
		t.Fatalf("the SDK's decoding gives\n %+v, %v\nwant\n %+v", sdk, err, want)
	}
}

// listVariants are answers that exercise each rule of the scanner and each
// construct it leaves to encoding/xml. scanned says whether the scanner
// reads it itself (false: the SDK's decoding does, or it is malformed).
var listVariants = []struct {
	name, xml string
	scanned   bool
}{
	{"empty root", `<ListBucketResult/>`, true},
	{"empty root with declaration", `<?xml version="1.0"?>` + "\n" + `<ListBucketResult></ListBucketResult>`, true},
	{"self-closing fields", `<ListBucketResult><IsTruncated/><Contents><Key/><Size/><ETag/><LastModified>2021-01-02T03:04:05Z</LastModified></Contents><Contents/><CommonPrefixes/></ListBucketResult>`, true},
	{"entities and references", `<ListBucketResult><Contents><Key>a&amp;b&lt;c&gt;d&apos;e&quot;f&#65;&#x42;&#x1F600;</Key><LastModified>2021-01-02T03:04:05.123Z</LastModified></Contents></ListBucketResult>`, true},
	{"line ends normalised", "<ListBucketResult><Contents><Key>a\r\nb\rc\nd</Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>", true},
	{"text around a child", `<ListBucketResult><Contents><Key>ab<i>x<j/></i>cd&amp;</Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, true},
	{"space in numbers and flags", `<ListBucketResult><IsTruncated> true </IsTruncated><NextContinuationToken>t%2B1</NextContinuationToken><Contents><Key> k </Key><Size>
 42 </Size><LastModified>2021-01-02T03:04:05+08:00</LastModified></Contents></ListBucketResult>`, true},
	{"space in tags", `<ListBucketResult ><Contents
><Key >k</Key	><LastModified>2021-01-02T03:04:05Z</LastModified ></Contents></ListBucketResult >`, true},
	{"repeated field: the last wins", `<ListBucketResult><Contents><Key>a</Key><Key>b</Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, true},
	{"unknown elements skipped", `<ListBucketResult><Foo><Bar>1</Bar><Baz/></Foo><Contents><Owner><ID>1</ID></Owner><Key>k</Key><X-Y.z>1</X-Y.z><LastModified>2021-01-02T03:04:05Z</LastModified></Contents><CommonPrefixes><Prefix>p/</Prefix><Other/><Prefix>q/</Prefix></CommonPrefixes></ListBucketResult>`, true},
	{"trailing content after the root", `<ListBucketResult/>garbage`, true},
	{"other declarations", `<?xml version='1.0' encoding='utf-8' standalone="yes"?><ListBucketResult/>`, true},
	{"entities in skipped text", `<ListBucketResult><Contents><Key>k</Key><RestoreInfo>ongoing-request=&#34;false&#34;</RestoreInfo><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, true},
	{"unicode element name", `<ListBucketResult><Élément>x</Élément></ListBucketResult>`, false},

	{"CDATA", `<ListBucketResult><Contents><Key><![CDATA[a<b]]></Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, false},
	{"comment", `<ListBucketResult><!-- c --><Contents><Key>k</Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, false},
	{"comment before the root", `<!-- c --><ListBucketResult/>`, false},
	{"attributes", `<ListBucketResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><Contents><Key a="1">k</Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, false},
	{"namespace prefix", `<ListBucketResult><x:Contents><x:Key>k</x:Key><LastModified>2021-01-02T03:04:05Z</LastModified></x:Contents></ListBucketResult>`, false},
	{"processing instruction inside", `<ListBucketResult><?pi x?><IsTruncated>true</IsTruncated></ListBucketResult>`, false},

	{"wrong root", `<ListAllMyBucketsResult/>`, false},
	{"mismatched end tag", `<ListBucketResult><Contents><Key>k</Size></Contents></ListBucketResult>`, false},
	{"cut short", `<ListBucketResult><Contents><Key>k</Key>`, false},
	{"unknown entity", `<ListBucketResult><Contents><Key>&nbsp;</Key></Contents></ListBucketResult>`, false},
	{"reference to a forbidden character", `<ListBucketResult><Contents><Key>&#1;</Key></Contents></ListBucketResult>`, false},
	{"bad size", `<ListBucketResult><Contents><Key>k</Key><Size>1e3</Size></Contents></ListBucketResult>`, false},
	{"bad time", `<ListBucketResult><Contents><Key>k</Key><LastModified>yesterday</LastModified></Contents></ListBucketResult>`, false},
	{"empty time", `<ListBucketResult><Contents><Key>k</Key><LastModified></LastModified></Contents></ListBucketResult>`, false},
	{"bad escape in a key", `<ListBucketResult><Contents><Key>100%</Key><LastModified>2021-01-02T03:04:05Z</LastModified></Contents></ListBucketResult>`, false},
	{"bad flag", `<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>`, false},
	{"empty", ``, false},
	// What encoding/xml refuses, wherever it is.
	{"control character in a key", "<ListBucketResult><Contents><Key>a\x01b</Key></Contents></ListBucketResult>", false},
	{"control character in a size", "<ListBucketResult><Contents><Size>\v42</Size></Contents></ListBucketResult>", false},
	{"invalid UTF-8", "<ListBucketResult><Contents><Key>\xff</Key></Contents></ListBucketResult>", false},
	{"U+FFFE", "<ListBucketResult><Contents><Key>\xef\xbf\xbe</Key></Contents></ListBucketResult>", false},
	{"]]> in text", `<ListBucketResult><Contents><Key>a]]>b</Key></Contents></ListBucketResult>`, false},
	{"XML 1.1", `<?xml version="1.1"?><ListBucketResult/>`, false},
	{"another encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><ListBucketResult/>`, false},
	{"empty processing instruction", `<??><ListBucketResult/>`, false},
	{"name starting with a digit", `<ListBucketResult><1a/></ListBucketResult>`, false},
	{"bad MaxKeys", `<ListBucketResult><MaxKeys>x</MaxKeys></ListBucketResult>`, false},
	{"bad escape in Prefix", `<ListBucketResult><Prefix>100%</Prefix></ListBucketResult>`, false},
	{"unknown entity between elements", `<ListBucketResult>&bogus;<IsTruncated>false</IsTruncated></ListBucketResult>`, false},
	{"unknown entity in skipped text", `<ListBucketResult><Contents><Owner><ID>a&b</ID></Owner></Contents></ListBucketResult>`, false},
}

// TestDecodeListV2Variants: every answer decodes as the SDK decodes it (or
// fails where the SDK fails), and the scanner reads the ones it should.
func TestDecodeListV2Variants(t *testing.T) {
	for _, v := range listVariants {
		t.Run(v.name, func(t *testing.T) {
			_, scanErr := scanListV2([]byte(v.xml))
			if (scanErr == nil) != v.scanned {
				t.Fatalf("scanner error %v, want scanned = %v", scanErr, v.scanned)
			}
			checkAsSDK(t, []byte(v.xml))
		})
	}
}

// checkAsSDK fails unless decodeListV2 reads data exactly as the SDK's
// decoding does, errors included.
func checkAsSDK(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := decodeListV2WithSDK(data)
	got, err := decodeListV2(data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("decodeListV2 error %v, the SDK's %v\ninput %q", err, wantErr, data)
	}
	if err != nil {
		return
	}
	// An empty list and none are the same page.
	if len(got.objects) == 0 && len(want.objects) == 0 {
		got.objects, want.objects = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeListV2\n %+v\nthe SDK's\n %+v\ninput %q", got, want, data)
	}
}

// FuzzDecodeListV2: whatever the answer, decodeListV2 reads it as the SDK
// does, and fails where the SDK fails.
func FuzzDecodeListV2(f *testing.F) {
	f.Add([]byte(ossSample))
	for _, v := range listVariants {
		f.Add([]byte(v.xml))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkAsSDK(t, data) })
}

// TestScanEmulatorListings: the emulator's answers (tricky keys, archived
// objects with restore information, owners, common prefixes, V1 and V2)
// are read by the scanner itself, as the SDK reads them.
func TestScanEmulatorListings(t *testing.T) {
	t.Parallel()
	cloud := ossemu.StartForTest(t, ossemu.Config{}, ossemu.BucketSpec{Name: "listing"})
	keys := []string{
		"a&b<c>\"d'", "ctl\x01\x7f", "p/sub/x", "p/y", "dir/a b+c~é?.txt", "100% done/50%25 off&x=y#frag",
		"line\nbreak\ttab\r\n", "日本語/ファイル名.bin", "emoji 🎉/../dots//double",
	}
	for _, k := range keys {
		seed(t, cloud, ossemu.ObjectSpec{Key: k, Data: []byte(k), LastModified: time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)})
	}
	for _, class := range []string{"IA", "Archive", "ColdArchive"} {
		seed(t, cloud, ossemu.ObjectSpec{Key: "class/" + class, Data: []byte(class), StorageClass: class})
	}
	b := cloud.MustBucket(t, ossemu.DefaultAccount.Name, "listing")
	if err := b.RestoreObject("class/Archive"); err != nil {
		t.Fatal(err)
	}
	for _, params := range []map[string]any{
		{"list-type": "2", "encoding-type": "url", "fetch-owner": "true"},
		{"list-type": "2", "encoding-type": "url", "max-keys": "3"},
		{"list-type": "2", "encoding-type": "url", "delimiter": "/", "prefix": "p/"},
		{"list-type": "2", "encoding-type": "url", "delimiter": "/"},
	} {
		resp, err := b.Do(http.MethodGet, "", params, []oss.Option{oss.WithContext(context.Background())}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		res, err := scanListV2(data)
		if err != nil {
			t.Fatalf("%v: the scanner refused the emulator's answer: %v\n%s", params, err, data)
		}
		if len(res.objects)+len(res.prefixes) == 0 {
			t.Fatalf("%v: nothing listed in\n%s", params, data)
		}
		if params["fetch-owner"] != nil && !strings.Contains(string(data), "<Owner>") {
			t.Fatalf("no owner in\n%s", data)
		}
		checkAsSDK(t, data)
	}
}

func seed(t *testing.T, cloud *ossemu.Cloud, o ossemu.ObjectSpec) {
	t.Helper()
	if err := cloud.PutObject("listing", o); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkDecodeListV2(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<ListBucketResult><Name>bkt</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys><Delimiter></Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>ZGlyL29iai0wMDA5OTk</NextContinuationToken><KeyCount>1000</KeyCount>")
	for i := range 1000 {
		fmt.Fprintf(&sb, "<Contents><Key>dir%%2Fobj-%06d</Key>", i)
		sb.WriteString("<LastModified>2024-02-29T23:59:59.000Z</LastModified><ETag>&#34;9DD4E461268C8034F5C8564E155C67A6&#34;</ETag><Type>Normal</Type><Size>4096</Size><StorageClass>Standard</StorageClass></Contents>")
	}
	sb.WriteString("</ListBucketResult>")
	data := []byte(sb.String())
	for _, d := range []struct {
		name   string
		decode func([]byte) (listV2, error)
	}{{"scanner", decodeListV2}, {"sdk", decodeListV2WithSDK}} {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := d.decode(data)
				if err != nil || len(res.objects) != 1000 {
					b.Fatalf("%d objects, %v", len(res.objects), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/key")
		})
	}
}
