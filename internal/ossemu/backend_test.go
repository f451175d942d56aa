package ossemu

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// backendContract checks what the Backend interface promises, for any
// implementation.
func backendContract(t *testing.T, be Backend) {
	t.Helper()
	if err := be.CreateBucket(BucketRecord{Name: "b1", Region: "cn-hangzhou", Owner: "o", ACL: aclPrivate}); err != nil {
		t.Fatal(err)
	}
	if err := be.CreateBucket(BucketRecord{Name: "b1"}); !errors.Is(err, ErrBucketExists) {
		t.Fatalf("second create: %v, want ErrBucketExists", err)
	}
	if _, err := be.GetObject("nope", "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("missing bucket: %v", err)
	}
	if _, err := be.GetObject("b1", "k"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("missing key: %v", err)
	}
	keys := []string{"z", "a/b", "a", "a b", "é", "a\nb", "%41", "+", "a//..//b"}
	for i, k := range keys {
		data := bytes.Repeat([]byte{byte('A' + i)}, i*1000)
		blob, err := be.NewBlob(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if err := be.PutObject("b1", ObjectRecord{Key: k, Blob: blob, Size: blob.Size(), ETag: "E", Type: "Normal", Tags: map[string]string{"i": k}}); err != nil {
			t.Fatal(err)
		}
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	var got []string
	for from := ""; ; {
		page, err := be.ListObjects("b1", from, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			got = append(got, o.Key)
		}
		if len(page) < 4 {
			break
		}
		from = page[len(page)-1].Key + "\x00"
	}
	if strings.Join(got, "|") != strings.Join(sorted, "|") {
		t.Fatalf("listing order\n got %q\nwant %q", got, sorted)
	}
	o, err := be.GetObject("b1", "a b")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := o.Blob.Open(10, 20)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rc)
	_ = rc.Close()
	if !bytes.Equal(part, bytes.Repeat([]byte{'D'}, 20)) {
		t.Fatalf("range read %q", part)
	}
	// Copies share the blob; records are values.
	if err := be.PutObject("b1", ObjectRecord{Key: "copy", Blob: o.Blob, Size: o.Size, Type: "Normal"}); err != nil {
		t.Fatal(err)
	}
	if err := be.UpdateObject("b1", "a b", func(r *ObjectRecord) error { r.Tags["i"] = "changed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if o.Tags["i"] != "a b" {
		t.Fatalf("UpdateObject changed a returned record: %v", o.Tags)
	}
	if err := be.DeleteObject("b1", "a b"); err != nil {
		t.Fatal(err)
	}
	c, err := be.GetObject("b1", "copy")
	if err != nil {
		t.Fatal(err)
	}
	rc, err = c.Blob.Open(0, c.Size)
	if err != nil {
		t.Fatalf("copy unreadable after source delete: %v", err)
	}
	all, _ := io.ReadAll(rc)
	_ = rc.Close()
	if !bytes.Equal(all, bytes.Repeat([]byte{'D'}, 3000)) {
		t.Fatalf("copy content changed")
	}
	joined, err := be.JoinBlobs([]BlobRange{{Blob: c.Blob, Offset: 0, Length: 2}, {Blob: c.Blob, Offset: 2998, Length: 2}})
	if err != nil || joined.Size() != 4 {
		t.Fatalf("join: %v size %d", err, joined.Size())
	}
	joined.Discard()
	if err := be.DeleteBucket("b1"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Fatalf("delete non-empty bucket: %v", err)
	}
}

func TestMemoryBackendContract(t *testing.T) { backendContract(t, NewMemoryBackend()) }

func TestDirBackendContract(t *testing.T) {
	be, err := NewDirBackend(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	backendContract(t, be)
}

func TestDirBackendSurvivesRestartAndCleansStagedBlobs(t *testing.T) {
	root := t.TempDir()
	be, err := NewDirBackend(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := be.CreateBucket(BucketRecord{Name: "bkt", Region: "cn-hangzhou", Owner: "o", Created: time.Unix(1700000000, 0).UTC()}); err != nil {
		t.Fatal(err)
	}
	put := func(key, data string) {
		blob, err := be.NewBlob(strings.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if err := be.PutObject("bkt", ObjectRecord{Key: key, Blob: blob, Size: blob.Size(), ETag: "E", Type: "Normal"}); err != nil {
			t.Fatal(err)
		}
	}
	put("kept", "first")
	put("kept", "second") // replaces: the first blob file must go
	put("gone", "x")
	if err := be.DeleteObject("bkt", "gone"); err != nil {
		t.Fatal(err)
	}
	// A write that staged its bytes but never committed, as when killed.
	if _, err := be.NewBlob(strings.NewReader("orphan"), 6); err != nil {
		t.Fatal(err)
	}
	// A half-written metadata file from an interrupted rename.
	tmp := filepath.Join(root, "objects", "bkt", "zz", "half.json.tmp1234")
	_ = os.MkdirAll(filepath.Dir(tmp), 0o755)
	_ = os.WriteFile(tmp, []byte("{"), 0o644)

	be2, err := NewDirBackend(root)
	if err != nil {
		t.Fatal(err)
	}
	o, err := be2.GetObject("bkt", "kept")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := o.Blob.Open(0, o.Size)
	data, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(data) != "second" {
		t.Fatalf("after restart: %q", data)
	}
	if _, err := be2.GetObject("bkt", "gone"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("deleted object came back: %v", err)
	}
	var blobs int
	_ = filepath.WalkDir(filepath.Join(root, "blobs"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != 1 {
		t.Fatalf("blob files after restart = %d, want 1 (only the live object's)", blobs)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary metadata file left behind: %v", err)
	}
}
