package report

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// File names inside a job's and a run's prefix.
const (
	// SummaryName is the run's summary, under the run prefix.
	SummaryName = "summary.json"
	// LatestName points at the newest run, under the job prefix.
	LatestName = "latest.json"
)

// locationScheme starts every report location users see.
const locationScheme = "oss://"

// runIDLayout is the time part of a run ID: fixed width, so run IDs sort by
// time as strings (for years 1000 to 9999).
const runIDLayout = "20060102T150405Z"

// Valid reports whether l is one of Lists.
func (l List) Valid() bool { return slices.Contains(Lists, l) }

// JobPrefix is the key prefix of a job's reports: prefix + job + "/".
// prefix is "" or ends with "/".
func JobPrefix(prefix, job string) string {
	return prefix + job + "/"
}

// RunPrefix is the key prefix of one run's report: prefix + job + "/" +
// runID + "/".
func RunPrefix(prefix, job, runID string) string {
	return JobPrefix(prefix, job) + runID + "/"
}

// LatestKey is the key of a job's latest.json.
func LatestKey(prefix, job string) string {
	return JobPrefix(prefix, job) + LatestName
}

// SummaryKey is the key of a run's summary.json.
func SummaryKey(prefix, job, runID string) string {
	return RunPrefix(prefix, job, runID) + SummaryName
}

// ChunkName is the file name of chunk n (from 1) of a list:
// "<list>_list_<n>.csv".
func ChunkName(list List, n int) string {
	return string(list) + "_list_" + strconv.Itoa(n) + ".csv"
}

// ChunkKey is the key of chunk n (from 1) of a run's list.
func ChunkKey(prefix, job, runID string, list List, n int) string {
	return RunPrefix(prefix, job, runID) + ChunkName(list, n)
}

// NewRunID returns a run ID for a run started at t: its UTC time to the
// second, then 6 hex digits from rnd, e.g. "20261125T031500Z-1a2b3c". Run
// IDs sort as strings in the order of their start times (runs started in the
// same second sort by chance). A nil rnd means crypto/rand; should rnd fail,
// the digits come from t's nanoseconds instead.
func NewRunID(t time.Time, rnd io.Reader) string {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [3]byte
	suffix := ""
	if _, err := io.ReadFull(rnd, b[:]); err == nil {
		suffix = hex.EncodeToString(b[:])
	} else {
		suffix = fmt.Sprintf("%06x", t.Nanosecond()&0xffffff)
	}
	return t.UTC().Format(runIDLayout) + "-" + suffix
}

// FormatLocation is the form users see of where a job's reports are:
// "oss://<bucket>/<prefix><job>/". prefix is "" or ends with "/".
func FormatLocation(bucket, prefix, job string) string {
	return locationScheme + bucket + "/" + JobPrefix(prefix, job)
}

// ParseLocation splits a location written by FormatLocation into its bucket
// and job prefix ("<prefix><job>/", see SplitJobPrefix). It refuses anything
// else with an error that says what is wrong.
func ParseLocation(s string) (bucket, jobPrefix string, err error) {
	const want = `want "oss://<bucket>/<prefix><job>/"`
	rest, ok := strings.CutPrefix(s, locationScheme)
	if !ok {
		return "", "", fmt.Errorf("report location %q: must start with %q (%s)", s, locationScheme, want)
	}
	bucket, jobPrefix, found := strings.Cut(rest, "/")
	switch {
	case bucket == "":
		return "", "", fmt.Errorf("report location %q: has no bucket name (%s)", s, want)
	case !found || jobPrefix == "":
		return "", "", fmt.Errorf("report location %q: names no job after the bucket (%s)", s, want)
	}
	if err := storage.ValidateBucketName(bucket); err != nil {
		return "", "", fmt.Errorf("report location %q: bucket name %w", s, err)
	}
	switch {
	case strings.HasPrefix(jobPrefix, "/") || strings.HasPrefix(jobPrefix, `\`):
		return "", "", fmt.Errorf(`report location %q: the key prefix after the bucket must not start with "/" or "\" (OSS keys cannot)`, s)
	case !strings.HasSuffix(jobPrefix, "/"):
		return "", "", fmt.Errorf(`report location %q: must end with "/" after the job name (%s)`, s, want)
	}
	if _, job := SplitJobPrefix(jobPrefix); job == "" {
		return "", "", fmt.Errorf("report location %q: has an empty job name (%s)", s, want)
	}
	return bucket, jobPrefix, nil
}

// SplitJobPrefix splits a job prefix "<prefix><job>/", as ParseLocation
// returns it, into the report prefix ("" or ending with "/") and the job
// name: the job name is the last path segment.
func SplitJobPrefix(jobPrefix string) (prefix, job string) {
	p := strings.TrimSuffix(jobPrefix, "/")
	i := strings.LastIndexByte(p, '/')
	return p[:i+1], p[i+1:]
}

// checkJob refuses a report prefix or job name that would not give the
// layout DESIGN.md describes.
func checkJob(prefix, job string) error {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf(`report: prefix %q must be "" or end with "/"`, prefix)
	}
	if job == "" || strings.Contains(job, "/") {
		return fmt.Errorf(`report: job name %q must be non-empty and without "/"`, job)
	}
	return nil
}

// checkRun is checkJob plus the run ID.
func checkRun(prefix, job, runID string) error {
	if err := checkJob(prefix, job); err != nil {
		return err
	}
	if runID == "" || strings.Contains(runID, "/") {
		return fmt.Errorf(`report: run id %q must be non-empty and without "/"`, runID)
	}
	return nil
}
