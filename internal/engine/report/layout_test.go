package report

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"job prefix", JobPrefix("reports/", "nightly"), "reports/nightly/"},
		{"job prefix without report prefix", JobPrefix("", "nightly"), "nightly/"},
		{"run prefix", RunPrefix(".ossmigrate/", "nightly", "20261125T031500Z-1a2b3c"), ".ossmigrate/nightly/20261125T031500Z-1a2b3c/"},
		{"run prefix without report prefix", RunPrefix("", "j", "r"), "j/r/"},
		{"latest", LatestKey("a/b/", "j"), "a/b/j/latest.json"},
		{"summary", SummaryKey("a/", "j", "r"), "a/j/r/summary.json"},
		{"chunk name", ChunkName(ListCompleted, 1), "completed_list_1.csv"},
		{"chunk name 12", ChunkName(ListFailed, 12), "failed_list_12.csv"},
		{"chunk key", ChunkKey("p/", "j", "r", ListTotal, 3), "p/j/r/total_list_3.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestListValid(t *testing.T) {
	for _, l := range Lists {
		if !l.Valid() {
			t.Errorf("%q.Valid() = false", l)
		}
	}
	for _, l := range []List{"", "all", "Completed", "completed "} {
		if l.Valid() {
			t.Errorf("%q.Valid() = true", l)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestNewRunID(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 11, 25, 11, 15, 0, 0x0bcdef12, cst) // 03:15:00 UTC

	if got, want := NewRunID(at, bytes.NewReader([]byte{0x1a, 0x2b, 0x3c})), "20261125T031500Z-1a2b3c"; got != want {
		t.Errorf("NewRunID = %q, want %q", got, want)
	}
	// The fallback takes the low 24 bits of the nanoseconds.
	if got, want := NewRunID(at, failingReader{}), "20261125T031500Z-cdef12"; got != want {
		t.Errorf("NewRunID with a failing reader = %q, want %q", got, want)
	}
	a, b := NewRunID(at, nil), NewRunID(at, nil)
	if a == b {
		t.Errorf("two run IDs from crypto/rand are both %q", a)
	}

	// Run IDs sort in time order.
	times := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 6, 0, cst),
		time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
	}
	var ids []string
	for _, tm := range times {
		ids = append(ids, NewRunID(tm, bytes.NewReader([]byte{0xff, 0xff, 0xff})))
	}
	sort.Strings(ids)
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for i, tm := range times {
		if want := tm.UTC().Format(runIDLayout); !strings.HasPrefix(ids[i], want) {
			t.Errorf("sorted id %d = %q, want the time %s", i, ids[i], want)
		}
	}
}

func TestLocationRoundTrip(t *testing.T) {
	tests := []struct {
		name, bucket, prefix, job, want string
	}{
		{"default prefix", "dst-bucket", ".ossmigrate/", "nightly", "oss://dst-bucket/.ossmigrate/nightly/"},
		{"no prefix", "dst", "", "nightly", "oss://dst/nightly/"},
		{"deep prefix", "b-1", "a/b/c/", "job-1", "oss://b-1/a/b/c/job-1/"},
		{"odd job name", "bkt", "r/", "my job, ü", "oss://bkt/r/my job, ü/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := FormatLocation(tt.bucket, tt.prefix, tt.job)
			if loc != tt.want {
				t.Fatalf("FormatLocation = %q, want %q", loc, tt.want)
			}
			bucket, jobPrefix, err := ParseLocation(loc)
			if err != nil {
				t.Fatalf("ParseLocation(%q): %v", loc, err)
			}
			if bucket != tt.bucket || jobPrefix != JobPrefix(tt.prefix, tt.job) {
				t.Errorf("ParseLocation(%q) = %q, %q; want %q, %q", loc, bucket, jobPrefix, tt.bucket, JobPrefix(tt.prefix, tt.job))
			}
			prefix, job := SplitJobPrefix(jobPrefix)
			if prefix != tt.prefix || job != tt.job {
				t.Errorf("SplitJobPrefix(%q) = %q, %q; want %q, %q", jobPrefix, prefix, job, tt.prefix, tt.job)
			}
		})
	}
}

func TestParseLocationErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"empty", "", `must start with "oss://"`},
		{"other scheme", "s3://bucket/job/", `must start with "oss://"`},
		{"upper-case scheme", "OSS://bucket/job/", `must start with "oss://"`},
		{"leading space", " oss://bucket/job/", `must start with "oss://"`},
		{"scheme only", "oss://", "has no bucket name"},
		{"no bucket", "oss:///job/", "has no bucket name"},
		{"bucket only", "oss://bucket", "names no job"},
		{"bucket and slash", "oss://bucket/", "names no job"},
		{"bad bucket", "oss://My_Bucket/job/", "may contain only lowercase letters"},
		{"short bucket", "oss://ab/job/", "3 to 63 characters"},
		{"hyphen bucket", "oss://-abc/job/", "must not start or end with a hyphen"},
		{"no trailing slash", "oss://bucket/reports/job", `must end with "/" after the job name`},
		{"trailing space", "oss://bucket/job/ ", `must end with "/" after the job name`},
		{"empty job", "oss://bucket/reports//", "has an empty job name"},
		{"key starts with slash", "oss://bucket//job/", `must not start with "/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket, jobPrefix, err := ParseLocation(tt.in)
			if err == nil {
				t.Fatalf("ParseLocation(%q) = %q, %q; want an error", tt.in, bucket, jobPrefix)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseLocation(%q) error %q, want it to say %q", tt.in, err, tt.wantErr)
			}
		})
	}
}
