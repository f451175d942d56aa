package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// errNotUsed is what fakeBucket answers for the storage.Bucket methods the
// report package does not call.
var errNotUsed = errors.New("not used by report tests")

// fakeBucket is an in-memory storage.Bucket with only what the report needs:
// Put, whole-object Get and List. It counts Puts per key, and hooks let a
// test fail or hold a Put.
type fakeBucket struct {
	name string

	mu      sync.Mutex // guards the fields below
	objects map[string]fakeObject
	puts    map[string]int
	// beforePut, when set, runs at the start of every Put, without mu held;
	// a non-nil error fails the Put (nothing is stored or counted).
	beforePut func(key string) error
}

type fakeObject struct {
	data        []byte
	contentType string
}

var _ storage.Bucket = (*fakeBucket)(nil)

func newFakeBucket(name string) *fakeBucket {
	return &fakeBucket{name: name, objects: map[string]fakeObject{}, puts: map[string]int{}}
}

func (f *fakeBucket) Name() string   { return f.name }
func (f *fakeBucket) Region() string { return "cn-hangzhou" }

func (f *fakeBucket) Put(ctx context.Context, key string, r io.Reader, size int64, meta storage.Metadata) (storage.PutResult, error) {
	f.mu.Lock()
	hook := f.beforePut
	f.mu.Unlock()
	if hook != nil {
		if err := hook(key); err != nil {
			return storage.PutResult{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return storage.PutResult{}, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return storage.PutResult{}, err
	}
	if int64(len(data)) != size {
		return storage.PutResult{}, fmt.Errorf("fake Put %s: read %d bytes, size says %d", key, len(data), size)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = fakeObject{data: data, contentType: meta.ContentType}
	f.puts[key]++
	return storage.PutResult{}, nil
}

func (f *fakeBucket) Get(ctx context.Context, key string, offset, length int64, ifMatch string) (io.ReadCloser, storage.ObjectInfo, error) {
	if offset != 0 || length != -1 || ifMatch != "" {
		return nil, storage.ObjectInfo{}, fmt.Errorf("fake Get: ranges and If-Match are %w", errNotUsed)
	}
	if err := ctx.Err(); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	if !ok {
		return nil, storage.ObjectInfo{}, &storage.Error{
			Op: "Get", Bucket: f.name, Key: key, StatusCode: http.StatusNotFound,
			Code: "NoSuchKey", Message: "The specified key does not exist.",
		}
	}
	info := storage.ObjectInfo{Object: storage.Object{Key: key, Size: int64(len(o.data))}}
	return io.NopCloser(strings.NewReader(string(o.data))), info, nil
}

// List lists in byte order with prefix, delimiter, MaxKeys and continuation
// tokens (the token is the last key or common prefix returned).
func (f *fakeBucket) List(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	if err := ctx.Err(); err != nil {
		return storage.ListPage{}, err
	}
	maxKeys := opts.MaxKeys
	if maxKeys == 0 {
		maxKeys = 1000
	}
	after := opts.StartAfter
	if opts.ContinuationToken != "" {
		after = opts.ContinuationToken
	}
	f.mu.Lock()
	keys := make([]string, 0, len(f.objects))
	sizes := make(map[string]int64, len(f.objects))
	for k, o := range f.objects {
		keys = append(keys, k)
		sizes[k] = int64(len(o.data))
	}
	f.mu.Unlock()
	sort.Strings(keys)

	var page storage.ListPage
	n := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, opts.Prefix) {
			continue
		}
		item, isPrefix := k, false
		if opts.Delimiter != "" {
			if i := strings.Index(k[len(opts.Prefix):], opts.Delimiter); i >= 0 {
				item, isPrefix = k[:len(opts.Prefix)+i+len(opts.Delimiter)], true
			}
		}
		if item <= after || (isPrefix && strings.HasPrefix(after, item)) {
			continue
		}
		if n == maxKeys {
			page.NextToken = after
			return page, nil
		}
		if isPrefix {
			page.CommonPrefixes = append(page.CommonPrefixes, item)
		} else {
			page.Objects = append(page.Objects, storage.Object{Key: k, Size: sizes[k]})
		}
		after = item
		n++
	}
	return page, nil
}

func (f *fakeBucket) Head(context.Context, string) (storage.ObjectInfo, error) {
	return storage.ObjectInfo{}, errNotUsed
}

func (f *fakeBucket) Tags(context.Context, string) (map[string]string, error) {
	return nil, errNotUsed
}

func (f *fakeBucket) Copy(context.Context, string, string, string, string) (storage.PutResult, error) {
	return storage.PutResult{}, errNotUsed
}

func (f *fakeBucket) InitMultipart(context.Context, string, storage.Metadata) (string, error) {
	return "", errNotUsed
}

func (f *fakeBucket) UploadPart(context.Context, string, string, int, io.Reader, int64) (storage.Part, error) {
	return storage.Part{}, errNotUsed
}

func (f *fakeBucket) UploadPartCopy(context.Context, string, string, int, string, string, int64, int64) (storage.Part, error) {
	return storage.Part{}, errNotUsed
}

func (f *fakeBucket) CompleteMultipart(context.Context, string, string, []storage.Part) (storage.PutResult, error) {
	return storage.PutResult{}, errNotUsed
}

func (f *fakeBucket) AbortMultipart(context.Context, string, string) error {
	return errNotUsed
}

// setBeforePut installs (or, with nil, removes) the Put hook.
func (f *fakeBucket) setBeforePut(hook func(key string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.beforePut = hook
}

// putCounts is a copy of how many Puts each key got.
func (f *fakeBucket) putCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]int, len(f.puts))
	for k, v := range f.puts {
		m[k] = v
	}
	return m
}

// totalPuts is the number of successful Puts.
func (f *fakeBucket) totalPuts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.puts {
		n += v
	}
	return n
}

// object returns a stored object.
func (f *fakeBucket) object(key string) (fakeObject, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	return o, ok
}

// keys returns every stored key in order.
func (f *fakeBucket) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]string, 0, len(f.objects))
	for k := range f.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// seed stores an object without counting a Put.
func (f *fakeBucket) seed(key, data string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = fakeObject{data: []byte(data)}
}
