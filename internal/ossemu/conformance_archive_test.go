package ossemu_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

const restoreDelay = 5 * time.Minute // short enough to stay inside the 15-minute skew window

// restoreStatus posts RestoreObject through the SDK's raw call to see the
// status code (the SDK's RestoreObject accepts 200 and 202 alike).
func restoreStatus(t *testing.T, b *oss.Bucket, key, body string) (int, error) {
	t.Helper()
	var data io.Reader
	if body != "" {
		data = bytes.NewReader([]byte(body))
	}
	resp, err := b.Do("POST", key, map[string]interface{}{"restore": nil}, nil, data, nil)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// TestArchiveRestore walks each archive class through frozen, restoring,
// restored and expired, with a fake clock.
func TestArchiveRestore(t *testing.T) {
	t.Parallel()
	for _, class := range []oss.StorageClassType{oss.StorageArchive, oss.StorageColdArchive, oss.StorageDeepColdArchive} {
		t.Run(string(class), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ossemu.Config{RestoreDelay: restoreDelay}, ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice})
			b := e.bucket(alice, "bkt")
			data := content(90, 200_000)
			key := "cold/ü obj"
			if err := b.PutObject(key, bytes.NewReader(data), oss.ObjectStorageClass(class)); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			dir := t.TempDir()
			frozen := func(stage string) {
				t.Helper()
				_, err := b.GetObject(key)
				se := serviceError(t, err, http.StatusForbidden, "InvalidObjectState")
				if se.Message != "The operation is not valid for the object's state" {
					t.Errorf("%s: message %q", stage, se.Message)
				}
				_, err = b.GetObject(key, oss.Range(0, 9))
				wantServiceError(t, err, http.StatusForbidden, "InvalidObjectState")
				wantServiceError(t, b.GetObjectToFile(key, filepath.Join(dir, "f")), http.StatusForbidden, "InvalidObjectState")
			}
			head := func() http.Header {
				t.Helper()
				h, err := b.GetObjectDetailedMeta(key)
				if err != nil {
					t.Fatalf("HEAD: %v", err)
				}
				if h.Get("X-Oss-Storage-Class") != string(class) || h.Get("Content-Length") != "200000" || h.Get("ETag") != etagOf(data) {
					t.Fatalf("HEAD %v", h)
				}
				return h
			}
			listedRestore := func() string {
				t.Helper()
				res, err := b.ListObjectsV2()
				if err != nil || len(res.Objects) != 1 || res.Objects[0].StorageClass != string(class) {
					t.Fatalf("listing %+v %v", res, err)
				}
				return res.Objects[0].RestoreInfo
			}

			// Frozen: GET refused, HEAD works and shows no restore.
			frozen("frozen")
			if h := head(); h.Get("X-Oss-Restore") != "" {
				t.Fatalf("frozen object has x-oss-restore %q", h.Get("X-Oss-Restore"))
			}

			// First restore: 202, in progress for RestoreDelay.
			t0 := e.clock.Now()
			status, err := restoreStatus(t, b, key, "<RestoreRequest><Days>2</Days><JobParameters><Tier>Standard</Tier></JobParameters></RestoreRequest>")
			if err != nil || status != http.StatusAccepted {
				t.Fatalf("first RestoreObject: %d %v", status, err)
			}
			if got := head().Get("X-Oss-Restore"); got != `ongoing-request="true"` {
				t.Fatalf("restoring: x-oss-restore %q", got)
			}
			if got := listedRestore(); got != `ongoing-request="true"` {
				t.Fatalf("restoring: RestoreInfo %q", got)
			}
			wantServiceError(t, b.RestoreObject(key), http.StatusConflict, "RestoreAlreadyInProgress")
			frozen("restoring")
			e.clock.Advance(restoreDelay - time.Second)
			frozen("one second before ready")
			wantServiceError(t, b.RestoreObject(key), http.StatusConflict, "RestoreAlreadyInProgress")

			// Restored: readable byte for byte until the expiry date.
			e.clock.Advance(time.Second)
			expiry := t0.Add(restoreDelay + 48*time.Hour).UTC().Format(http.TimeFormat)
			wantRestore := `ongoing-request="false", expiry-date="` + expiry + `"`
			if got := head().Get("X-Oss-Restore"); got != wantRestore {
				t.Fatalf("restored: x-oss-restore %q, want %q", got, wantRestore)
			}
			if got := listedRestore(); got != wantRestore {
				t.Fatalf("restored: RestoreInfo %q", got)
			}
			equalBytes(t, "restored GET", getBytes(t, b, key), data)
			if got := getBytes(t, b, key, oss.Range(100, 199)); !bytes.Equal(got, data[100:200]) {
				t.Fatal("restored ranged GET differs")
			}
			path := filepath.Join(dir, "restored")
			if err := b.GetObjectToFile(key, path); err != nil {
				t.Fatalf("GetObjectToFile: %v", err)
			}
			onDisk, _ := os.ReadFile(path)
			equalBytes(t, "restored file", onDisk, data)
			// A copy of a restored object is a new, readable object of the class asked for.
			if _, err := b.CopyObject(key, "thawed", oss.ObjectStorageClass(oss.StorageStandard)); err != nil {
				t.Fatalf("copy of restored object: %v", err)
			}
			equalBytes(t, "thawed copy", getBytes(t, b, "thawed"), data)

			// Restoring a restored object extends it: 200.
			t1 := e.clock.Now()
			status, err = restoreStatus(t, b, key, "<RestoreRequest><Days>1</Days></RestoreRequest>")
			if err != nil || status != http.StatusOK {
				t.Fatalf("RestoreObject of a restored object: %d %v", status, err)
			}
			wantRestore = `ongoing-request="false", expiry-date="` + t1.Add(24*time.Hour).UTC().Format(http.TimeFormat) + `"`
			if got := head().Get("X-Oss-Restore"); got != wantRestore {
				t.Fatalf("extended: x-oss-restore %q, want %q", got, wantRestore)
			}

			// Expired: frozen again. The SDK stamps requests with the real
			// time, so a day later only presigned URLs (no skew check) still
			// reach the emulator.
			getURL, err := b.SignURL(key, oss.HTTPGet, 3*24*3600)
			if err != nil {
				t.Fatal(err)
			}
			headURL, err := b.SignURL(key, oss.HTTPHead, 3*24*3600)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(25 * time.Hour)
			resp, body := rawDo(t, http.MethodGet, getURL, nil)
			if resp.StatusCode != http.StatusForbidden || parseErrorBody(t, body).Code != "InvalidObjectState" {
				t.Fatalf("expired restore: GET %d %s", resp.StatusCode, body)
			}
			resp, _ = rawDo(t, http.MethodHead, headURL, nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Oss-Restore") != "" {
				t.Fatalf("expired restore: HEAD %d x-oss-restore %q", resp.StatusCode, resp.Header.Get("X-Oss-Restore"))
			}
		})
	}
}

// TestArchiveRestoreImmediate: with no RestoreDelay a restore is ready at
// once; objects seeded as restored are readable; bucket-default archive
// classes apply to uploads.
func TestArchiveRestoreImmediate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, ossemu.Config{},
		ossemu.BucketSpec{Name: "bkt", Region: hz, Owner: alice},
		ossemu.BucketSpec{Name: "cold-bkt", Region: hz, Owner: alice, StorageClass: "ColdArchive"},
	)
	data := content(91, 1234)
	e.seed("bkt",
		ossemu.ObjectSpec{Key: "arch", Data: data, StorageClass: "Archive"},
		ossemu.ObjectSpec{Key: "seeded-restored", Data: data, StorageClass: "DeepColdArchive", Restored: true},
		ossemu.ObjectSpec{Key: "standard", Data: data},
	)
	b := e.bucket(alice, "bkt")
	if err := b.RestoreObjectDetail("arch", oss.RestoreConfiguration{Days: 3, Tier: "Expedited"}); err != nil {
		t.Fatalf("RestoreObjectDetail: %v", err)
	}
	equalBytes(t, "immediately restored", getBytes(t, b, "arch"), data)
	equalBytes(t, "seeded restored", getBytes(t, b, "seeded-restored"), data)

	cb := e.bucket(alice, "cold-bkt")
	if err := cb.PutObject("k", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	_, err := cb.GetObject("k")
	wantServiceError(t, err, http.StatusForbidden, "InvalidObjectState")

	cases := []struct {
		name   string
		key    string
		body   string
		status int
		code   string
	}{
		// Difference from OSS: the code for restoring a non-archive object is unconfirmed.
		{"standard object", "standard", "", 400, "OperationNotSupported"},
		{"missing object", "nope", "", 404, "NoSuchKey"},
		{"days out of range", "arch", "<RestoreRequest><Days>400</Days></RestoreRequest>", 400, "InvalidArgument"},
		{"malformed body", "arch", "<RestoreRequest><Days>", 400, "MalformedXML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := restoreStatus(t, b, tc.key, tc.body)
			wantServiceError(t, err, tc.status, tc.code)
		})
	}
}
