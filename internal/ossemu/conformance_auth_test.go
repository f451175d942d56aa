package ossemu_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// signers are the two signature versions the SDK v3.0.2 speaks.
var signers = []struct {
	name string
	opts func(region string) []oss.ClientOption
}{
	{"V1", func(string) []oss.ClientOption { return nil }},
	{"V4", v4},
	// AdditionalHeaders makes V4 sign more headers, including Host, which
	// net/http keeps out of the server's header map.
	{"V4-additional-headers", func(region string) []oss.ClientOption {
		return append(v4(region), oss.AdditionalHeaders([]string{"host", "user-agent"}))
	}},
}

// TestAuthSignedOperations drives a broad set of operations through both
// signature versions, for a plain account and an STS identity: every one must
// verify, including keys that need escaping and sub-resources that V1 signs
// and V4 encodes differently.
func TestAuthSignedOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "alice-bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "carol-bkt", Region: sh, Owner: carol},
	)
	for _, tc := range []struct{ account, bucket, region string }{
		{alice, "alice-bkt", hz},
		{carol, "carol-bkt", sh},
	} {
		for _, sg := range signers {
			t.Run(tc.account+"/"+sg.name, func(t *testing.T) {
				opts := sg.opts(tc.region)
				b := e.bucket(tc.account, tc.bucket, opts...)
				cl := e.cloud.MustClient(t, tc.account, tc.region, opts...)
				key := "dir/" + sg.name + " a+b=c&d%e~é?.txt"
				data := content(1, 3000)

				if err := b.PutObject(key, bytes.NewReader(data), oss.Meta("Who", tc.account), oss.ContentType("text/plain")); err != nil {
					t.Fatalf("PutObject: %v", err)
				}
				equalBytes(t, "GetObject", getBytes(t, b, key), data)
				if got := getBytes(t, b, key, oss.Range(10, 19)); !bytes.Equal(got, data[10:20]) {
					t.Fatalf("ranged GetObject: %q", got)
				}
				if got := getBytes(t, b, key, oss.ResponseContentType("application/x-test")); !bytes.Equal(got, data) {
					t.Fatal("GetObject with response-content-type: content differs")
				}
				h, err := b.GetObjectDetailedMeta(key)
				if err != nil || h.Get("X-Oss-Meta-Who") != tc.account {
					t.Fatalf("HEAD: %v %v", h, err)
				}
				if _, err := b.GetObjectMeta(key); err != nil {
					t.Fatalf("GetObjectMeta: %v", err)
				}
				if res, err := b.ListObjectsV2(oss.Prefix("dir/" + sg.name)); err != nil || len(res.Objects) != 1 || res.Objects[0].Key != key {
					t.Fatalf("ListObjectsV2: %+v %v", res, err)
				}
				if res, err := b.ListObjects(oss.Prefix("dir/"+sg.name), oss.Delimiter("/")); err != nil || len(res.Objects) != 1 {
					t.Fatalf("ListObjects: %+v %v", res, err)
				}
				copyKey := key + ".copy"
				if _, err := b.CopyObject(key, copyKey); err != nil {
					t.Fatalf("CopyObject: %v", err)
				}
				if err := b.PutObjectTagging(key, oss.Tagging{Tags: []oss.Tag{{Key: "k", Value: "v w"}}}); err != nil {
					t.Fatalf("PutObjectTagging: %v", err)
				}
				if tg, err := b.GetObjectTagging(key); err != nil || len(tg.Tags) != 1 || tg.Tags[0].Value != "v w" {
					t.Fatalf("GetObjectTagging: %+v %v", tg, err)
				}
				if err := b.DeleteObjectTagging(key); err != nil {
					t.Fatalf("DeleteObjectTagging: %v", err)
				}
				if err := b.SetObjectACL(key, oss.ACLPublicRead); err != nil {
					t.Fatalf("SetObjectACL: %v", err)
				}
				if acl, err := b.GetObjectACL(key); err != nil || acl.ACL != "public-read" {
					t.Fatalf("GetObjectACL: %+v %v", acl, err)
				}
				imur, err := b.InitiateMultipartUpload(key + ".mp")
				if err != nil {
					t.Fatalf("InitiateMultipartUpload: %v", err)
				}
				part, err := b.UploadPart(imur, bytes.NewReader(data), int64(len(data)), 1)
				if err != nil {
					t.Fatalf("UploadPart: %v", err)
				}
				if lp, err := b.ListUploadedParts(imur); err != nil || len(lp.UploadedParts) != 1 {
					t.Fatalf("ListUploadedParts: %+v %v", lp, err)
				}
				if lu, err := b.ListMultipartUploads(); err != nil || len(lu.Uploads) != 1 {
					t.Fatalf("ListMultipartUploads: %+v %v", lu, err)
				}
				if _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{part}); err != nil {
					t.Fatalf("CompleteMultipartUpload: %v", err)
				}
				equalBytes(t, "multipart object", getBytes(t, b, key+".mp"), data)
				if res, err := b.DeleteObjects([]string{copyKey, key + ".mp"}); err != nil || len(res.DeletedObjects) != 2 {
					t.Fatalf("DeleteObjects: %+v %v", res, err)
				}
				if err := b.DeleteObject(key); err != nil {
					t.Fatalf("DeleteObject: %v", err)
				}
				if info, err := cl.GetBucketInfo(tc.bucket); err != nil || info.BucketInfo.Location != "oss-"+tc.region {
					t.Fatalf("GetBucketInfo: %+v %v", info, err)
				}
				if loc, err := cl.GetBucketLocation(tc.bucket); err != nil || loc != "oss-"+tc.region {
					t.Fatalf("GetBucketLocation: %q %v", loc, err)
				}
				if lb, err := cl.ListBuckets(); err != nil || len(lb.Buckets) != 1 || lb.Buckets[0].Name != tc.bucket {
					t.Fatalf("ListBuckets: %+v %v", lb, err)
				}
				if acl, err := cl.GetBucketACL(tc.bucket); err != nil || acl.ACL != "private" {
					t.Fatalf("GetBucketACL: %+v %v", acl, err)
				}
				if keys, _ := e.cloud.Keys(tc.bucket, "dir/"+sg.name); len(keys) != 0 {
					t.Fatalf("objects left behind: %q", keys)
				}
			})
		}
	}
}

// TestAuthBucketLifecycle creates, uses and deletes a bucket over the API
// with both signers.
func TestAuthBucketLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{})
	for _, sg := range signers {
		t.Run(sg.name, func(t *testing.T) {
			cl := e.cloud.MustClient(t, alice, sh, sg.opts(sh)...)
			name := "made-by-" + strings.ToLower(sg.name)
			if err := cl.CreateBucket(name, oss.StorageClass(oss.StorageIA), oss.ACL(oss.ACLPublicRead)); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			err := cl.CreateBucket(name)
			wantServiceError(t, err, http.StatusConflict, "BucketAlreadyExists")
			info, err := cl.GetBucketInfo(name)
			if err != nil || info.BucketInfo.StorageClass != "IA" || info.BucketInfo.ACL != "public-read" || info.BucketInfo.Location != "oss-"+sh {
				t.Fatalf("GetBucketInfo: %+v %v", info, err)
			}
			if err := cl.SetBucketACL(name, oss.ACLPrivate); err != nil {
				t.Fatalf("SetBucketACL: %v", err)
			}
			b, _ := cl.Bucket(name)
			if err := b.PutObject("x", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
			wantServiceError(t, cl.DeleteBucket(name), http.StatusConflict, "BucketNotEmpty")
			if err := b.DeleteObject("x"); err != nil {
				t.Fatal(err)
			}
			if err := cl.DeleteBucket(name); err != nil {
				t.Fatalf("DeleteBucket: %v", err)
			}
			_, err = b.ListObjectsV2()
			wantServiceError(t, err, http.StatusNotFound, "NoSuchBucket")
		})
	}
}

// TestAuthRejected covers credentials the emulator must refuse, for a body
// response (GET), a HEAD (error in x-oss-err) and an upload.
func TestAuthRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	e.seed("bkt", ossemu.ObjectSpec{Key: "k", Data: []byte("secret")})
	a, c := account(t, alice), account(t, carol)

	cases := []struct {
		name   string
		client *oss.Client
		code   string
		// stringToSign, when set, is the prefix the error's StringToSign must have.
		stringToSign string
	}{
		{"V1 wrong secret", e.rawClient(hz, a.AccessKeyID, "wrong"), "SignatureDoesNotMatch", "GET\n"},
		{"V4 wrong secret", e.rawClient(hz, a.AccessKeyID, "wrong", v4(hz)...), "SignatureDoesNotMatch", "OSS4-HMAC-SHA256\n"},
		{"V1 unknown key", e.rawClient(hz, "LTAInobody", "x"), "InvalidAccessKeyId", ""},
		{"V4 unknown key", e.rawClient(hz, "LTAInobody", "x", v4(hz)...), "InvalidAccessKeyId", ""},
		{"V4 scope names another region", e.rawClient(hz, a.AccessKeyID, a.AccessKeySecret, oss.AuthVersion(oss.AuthV4), oss.Region(sh)), "SignatureDoesNotMatch", ""},
		{"STS without token", e.rawClient(hz, c.AccessKeyID, c.AccessKeySecret), "InvalidSecurityToken", ""},
		{"STS with wrong token", e.rawClient(hz, c.AccessKeyID, c.AccessKeySecret, oss.SecurityToken("forged")), "InvalidSecurityToken", ""},
		{"STS V4 with wrong token", e.rawClient(hz, c.AccessKeyID, c.AccessKeySecret, append(v4(hz), oss.SecurityToken("forged"))...), "InvalidSecurityToken", ""},
		// The SDK signs even without credentials ("OSS :<sig>"), so it cannot
		// make anonymous requests; the emulator rejects the empty key
		// (unconfirmed for OSS, which documents no anonymous SDK access).
		{"empty access key", e.rawClient(hz, "", ""), "InvalidAccessKeyId", ""},
		{"token on a non-STS key", e.rawClient(hz, a.AccessKeyID, a.AccessKeySecret, oss.SecurityToken(stsToken)), "InvalidSecurityToken", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.client.Bucket("bkt")
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.GetObject("k")
			se := serviceError(t, err, http.StatusForbidden, tc.code)
			if se.Ec == "" || se.HostID == "" {
				t.Errorf("error lacks EC/HostId: %+v", se)
			}
			if tc.stringToSign != "" {
				var body struct {
					StringToSign string `xml:"StringToSign"`
				}
				if err := xml.Unmarshal([]byte(se.RawMessage), &body); err != nil {
					t.Fatalf("error body: %v", err)
				}
				if !strings.HasPrefix(body.StringToSign, tc.stringToSign) {
					t.Errorf("StringToSign %q, want prefix %q", body.StringToSign, tc.stringToSign)
				}
			}
			// HEAD has no body: the SDK decodes the code from x-oss-err.
			_, err = b.GetObjectDetailedMeta("k")
			wantServiceError(t, err, http.StatusForbidden, tc.code)
			err = b.PutObject("k", strings.NewReader("overwritten"))
			wantServiceError(t, err, http.StatusForbidden, tc.code)
			if got := e.stored("bkt", "k"); string(got) != "secret" {
				t.Fatalf("rejected PutObject changed the object: %q", got)
			}
		})
	}
}

// TestAuthV1StringToSign checks the StringToSign OSS returns for a V1
// mismatch: the exact string the client should have signed.
func TestAuthV1StringToSign(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	a := account(t, alice)
	var hdr http.Header
	b, _ := e.rawClient(hz, a.AccessKeyID, "wrong").Bucket("bkt")
	err := b.PutObject("dir/a b.txt", strings.NewReader("x"), oss.Meta("Author", "alice"), oss.ContentType("text/plain"), oss.GetResponseHeader(&hdr))
	se := serviceError(t, err, http.StatusForbidden, "SignatureDoesNotMatch")
	var body struct {
		StringToSign string `xml:"StringToSign"`
	}
	if err := xml.Unmarshal([]byte(se.RawMessage), &body); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(body.StringToSign, "\n")
	// VERB, Content-MD5, Content-Type, Date, x-oss-meta-author, resource.
	if len(lines) != 6 || lines[0] != "PUT" || lines[1] != "" || lines[2] != "text/plain" ||
		lines[4] != "x-oss-meta-author:alice" || lines[5] != "/bkt/dir/a b.txt" {
		t.Fatalf("StringToSign %q", body.StringToSign)
	}
	if _, err := http.ParseTime(lines[3]); err != nil {
		t.Fatalf("Date line %q: %v", lines[3], err)
	}
}

// TestAuthClockSkew moves the emulator's clock away from the SDK's: within
// 15 minutes requests pass, beyond they fail with RequestTimeTooSkewed.
func TestAuthClockSkew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	e.seed("bkt", ossemu.ObjectSpec{Key: "k", Data: []byte("v")})
	for _, sg := range signers {
		b := e.bucket(alice, "bkt", sg.opts(hz)...)
		for _, tc := range []struct {
			skew time.Duration
			ok   bool
		}{
			{10 * time.Minute, true},
			{-10 * time.Minute, true},
			{16 * time.Minute, false},
			{-16 * time.Minute, false},
			{-2 * time.Hour, false},
		} {
			t.Run(sg.name+"/"+tc.skew.String(), func(t *testing.T) {
				e.clock.Advance(tc.skew)
				defer e.clock.Advance(-tc.skew)
				_, err := b.GetObjectDetailedMeta("k")
				_, err2 := b.ListObjectsV2()
				if tc.ok {
					if err != nil || err2 != nil {
						t.Fatalf("skew %v: %v / %v", tc.skew, err, err2)
					}
					return
				}
				wantServiceError(t, err, http.StatusForbidden, "RequestTimeTooSkewed")
				wantServiceError(t, err2, http.StatusForbidden, "RequestTimeTooSkewed")
			})
		}
	}
}

// errorBody is OSS's error XML as an anonymous HTTP client sees it.
type errorBody struct {
	Code     string `xml:"Code"`
	Endpoint string `xml:"Endpoint"`
}

func parseErrorBody(t testing.TB, data []byte) errorBody {
	t.Helper()
	var eb errorBody
	if err := xml.Unmarshal(data, &eb); err != nil {
		t.Fatalf("error body %q: %v", data, err)
	}
	return eb
}

// TestAuthAnonymous sends unsigned requests: reads succeed only where a
// bucket or object ACL makes them public; writes only under public-read-write.
func TestAuthAnonymous(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "pub", Region: hz, Owner: alice, ACL: "public-read"},
		ossemu.BucketSpec{Name: "priv", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "pubrw", Region: hz, Owner: alice, ACL: "public-read-write"},
	)
	data := content(2, 5000)
	e.seed("pub", ossemu.ObjectSpec{Key: "dir/obj 1", Data: data}, ossemu.ObjectSpec{Key: "locked", Data: data, ACL: "private"})
	e.seed("priv", ossemu.ObjectSpec{Key: "dir/obj 1", Data: data}, ossemu.ObjectSpec{Key: "shared", Data: data, ACL: "public-read"})
	ep := e.cloud.Endpoint(hz)
	obj := func(bucket, key string) string { return ep + "/" + bucket + "/" + url.PathEscape(key) }

	cases := []struct {
		name, method, url string
		body              string
		status            int
		code              string
		want              []byte
	}{
		{"GET public-read object", http.MethodGet, obj("pub", "dir/obj 1"), "", 200, "", data},
		{"HEAD public-read object", http.MethodHead, obj("pub", "dir/obj 1"), "", 200, "", nil},
		{"list public-read bucket", http.MethodGet, ep + "/pub/?prefix=dir%2F", "", 200, "", nil},
		{"GET private object in public bucket", http.MethodGet, obj("pub", "locked"), "", 403, "AccessDenied", nil},
		{"PUT into public-read bucket", http.MethodPut, obj("pub", "new"), "x", 403, "AccessDenied", nil},
		{"DELETE in public-read bucket", http.MethodDelete, obj("pub", "dir/obj 1"), "", 403, "AccessDenied", nil},
		{"GET private bucket", http.MethodGet, obj("priv", "dir/obj 1"), "", 403, "AccessDenied", nil},
		{"GET missing key in private bucket", http.MethodGet, obj("priv", "nope"), "", 403, "AccessDenied", nil},
		{"list private bucket", http.MethodGet, ep + "/priv/", "", 403, "AccessDenied", nil},
		{"GET public-read object in private bucket", http.MethodGet, obj("priv", "shared"), "", 200, "", data},
		{"PUT into public-read-write bucket", http.MethodPut, obj("pubrw", "anon"), "from anonymous", 200, "", nil},
		{"GET missing key in public bucket", http.MethodGet, obj("pub", "nope"), "", 404, "NoSuchKey", nil},
		{"list buckets", http.MethodGet, ep + "/", "", 403, "AccessDenied", nil},
		{"create bucket", http.MethodPut, ep + "/anon-bucket/", "", 403, "AccessDenied", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			resp, got := rawDo(t, tc.method, tc.url, body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, got)
			}
			if resp.Header.Get("x-oss-request-id") == "" {
				t.Error("no x-oss-request-id")
			}
			if tc.code != "" {
				if eb := parseErrorBody(t, got); eb.Code != tc.code {
					t.Fatalf("code %q, want %q", eb.Code, tc.code)
				}
			}
			if tc.want != nil {
				equalBytes(t, tc.name, got, tc.want)
			}
		})
	}
	if got := e.stored("pubrw", "anon"); string(got) != "from anonymous" {
		t.Fatalf("anonymous upload stored %q", got)
	}
	e.absent("pub", "new")
}

// TestAuthPresignedURLs signs GET and PUT URLs with both versions, for a
// plain and an STS account, and uses them without credentials.
func TestAuthPresignedURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "alice-bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "carol-bkt", Region: hz, Owner: carol},
	)
	data := content(3, 70_000)
	for _, tc := range []struct{ account, bucket string }{{alice, "alice-bkt"}, {carol, "carol-bkt"}} {
		for _, sg := range signers {
			t.Run(tc.account+"/"+sg.name, func(t *testing.T) {
				b := e.bucket(tc.account, tc.bucket, sg.opts(hz)...)
				key := "signed/" + sg.name + " ü+%.bin"
				e.seed(tc.bucket, ossemu.ObjectSpec{Key: key, Data: data})

				getURL, err := b.SignURL(key, oss.HTTPGet, 300)
				if err != nil {
					t.Fatal(err)
				}
				resp, got := rawDo(t, http.MethodGet, getURL, nil)
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s: %d %s", getURL, resp.StatusCode, got)
				}
				equalBytes(t, "presigned GET", got, data)
				rc, err := b.GetObjectWithURL(getURL)
				if err != nil {
					t.Fatalf("GetObjectWithURL: %v", err)
				}
				_ = rc.Close()

				putKey := key + ".put"
				putURL, err := b.SignURL(putKey, oss.HTTPPut, 300, oss.ContentType("application/x-put"), oss.Meta("Via", "url"))
				if err != nil {
					t.Fatal(err)
				}
				// PutObjectWithURL also checks the returned CRC.
				if err := b.PutObjectWithURL(putURL, bytes.NewReader(data), oss.ContentType("application/x-put"), oss.Meta("Via", "url")); err != nil {
					t.Fatalf("PutObjectWithURL: %v", err)
				}
				equalBytes(t, "presigned PUT", e.stored(tc.bucket, putKey), data)
				rec, _, _ := e.cloud.Object(tc.bucket, putKey)
				if rec.Headers["Content-Type"] != "application/x-put" || rec.UserMeta["via"] != "url" {
					t.Fatalf("presigned PUT stored headers %v meta %v", rec.Headers, rec.UserMeta)
				}
				// A header the URL did not sign breaks the signature.
				err = b.PutObjectWithURL(putURL, bytes.NewReader(data), oss.ContentType("text/evil"), oss.Meta("Via", "url"))
				wantServiceError(t, err, http.StatusForbidden, "SignatureDoesNotMatch")

				// A tampered signature fails; a tampered key too.
				u, _ := url.Parse(getURL)
				q := u.Query()
				sigParam := "Signature"
				if strings.HasPrefix(sg.name, "V4") {
					sigParam = "x-oss-signature"
				}
				q.Set(sigParam, "AAAA"+q.Get(sigParam)[4:])
				u.RawQuery = q.Encode()
				resp, got = rawDo(t, http.MethodGet, u.String(), nil)
				if resp.StatusCode != 403 || parseErrorBody(t, got).Code != "SignatureDoesNotMatch" {
					t.Fatalf("tampered URL: %d %s", resp.StatusCode, got)
				}
				other := strings.Replace(getURL, "signed%2F", "signed%2Fx", 1)
				if other == getURL {
					t.Fatalf("unexpected URL shape %s", getURL)
				}
				resp, got = rawDo(t, http.MethodGet, other, nil)
				if resp.StatusCode != 403 {
					t.Fatalf("URL for another key: %d %s", resp.StatusCode, got)
				}

				// Past its expiry the URL is refused.
				e.clock.Advance(301 * time.Second)
				resp, got = rawDo(t, http.MethodGet, getURL, nil)
				e.clock.Advance(-301 * time.Second)
				if resp.StatusCode != 403 || parseErrorBody(t, got).Code != "AccessDenied" {
					t.Fatalf("expired URL: %d %s", resp.StatusCode, got)
				}
			})
		}
	}
}

// TestAuthPresignedV4WrongRegion signs a V4 URL for another region's scope.
func TestAuthPresignedV4WrongRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
	e.seed("bkt", ossemu.ObjectSpec{Key: "k", Data: []byte("v")})
	a := account(t, alice)
	b, _ := e.rawClient(hz, a.AccessKeyID, a.AccessKeySecret, oss.AuthVersion(oss.AuthV4), oss.Region(sh)).Bucket("bkt")
	u, err := b.SignURL("k", oss.HTTPGet, 60)
	if err != nil {
		t.Fatal(err)
	}
	resp, got := rawDo(t, http.MethodGet, u, nil)
	if resp.StatusCode != 403 || parseErrorBody(t, got).Code != "SignatureDoesNotMatch" {
		t.Fatalf("V4 URL scoped to %s on %s: %d %s", sh, hz, resp.StatusCode, got)
	}
}
