// Package report writes and reads a migration run's report: summary.json,
// the chunked CSV file lists and latest.json, laid out as DESIGN.md says:
//
//	<prefix><job>/latest.json                 points at the newest run
//	<prefix><job>/<run id>/summary.json       status, times, counts, progress
//	<prefix><job>/<run id>/<list>_list_<N>.csv   N = 1, 2, ... (total, completed, skipped, failed)
//
// Keys are percent-encoded in the CSV files so that any key survives CSV.
package report

import (
	"time"
)

// FormatVersion is written into summary.json and latest.json; readers refuse
// newer versions.
const FormatVersion = 1

// List names one of a run's file lists.
type List string

// The file lists of a run.
const (
	ListTotal     List = "total"     // every source object the run considered
	ListCompleted List = "completed" // migrated and verified
	ListSkipped   List = "skipped"   // not migrated, with the reason
	ListFailed    List = "failed"    // not migrated, with the error
)

// Lists are all lists in the order they are written.
var Lists = []List{ListTotal, ListCompleted, ListSkipped, ListFailed}

// Run statuses.
const (
	StatusRunning     = "running"
	StatusFinished    = "finished"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)

// Row is one object in a file list.
type Row struct {
	SourceKey      string
	DestinationKey string
	Size           int64
	CRC64          uint64
	HasCRC64       bool
	LastModified   time.Time
	ETag           string
	// Reason is the skip reason (skipped list) or the error (failed list).
	Reason string
}

// Location names a bucket and prefix in a summary.
type Location struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
	Region string `json:"region"`
}

// Counts is a number of files and their bytes.
type Counts struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Progress is the live state of a running job.
type Progress struct {
	FilesDone      int64   `json:"files_done"`
	BytesDone      int64   `json:"bytes_done"`
	BytesPerSecond float64 `json:"bytes_per_second"`
	ETASeconds     int64   `json:"eta_seconds"`
}

// Summary is summary.json.
type Summary struct {
	FormatVersion int        `json:"format_version"`
	Job           string     `json:"job"`
	RunID         string     `json:"run_id"`
	SpecDigest    string     `json:"spec_digest"`
	Status        string     `json:"status"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Source        Location   `json:"source"`
	Destination   Location   `json:"destination"`
	Planned       Counts     `json:"planned"`
	Total         Counts     `json:"total"`
	Migrated      Counts     `json:"migrated"`
	Skipped       Counts     `json:"skipped"`
	Failed        Counts     `json:"failed"`
	Progress      Progress   `json:"progress"`
	// Chunks is how many CSV files each list has.
	Chunks     map[List]int `json:"chunks"`
	CopyMethod string       `json:"copy_method"`
	Error      string       `json:"error,omitempty"`
	// Settings are the job's settings (no secrets), so that a job can be
	// imported from its report.
	Settings *Settings `json:"settings,omitempty"`
}

// Settings are a job's non-secret settings as recorded in summary.json.
type Settings struct {
	SourceEndpoint         string          `json:"source_endpoint,omitempty"`
	SourceCredentials      string          `json:"source_credentials,omitempty"`
	DestinationEndpoint    string          `json:"destination_endpoint,omitempty"`
	DestinationCredentials string          `json:"destination_credentials,omitempty"`
	StorageClass           string          `json:"storage_class,omitempty"`
	Overwrite              string          `json:"overwrite"`
	Verify                 string          `json:"verify"`
	CopyMethod             string          `json:"copy_method"`
	Include                []string        `json:"include,omitempty"`
	Exclude                []string        `json:"exclude,omitempty"`
	ModifiedAfter          string          `json:"modified_after,omitempty"`
	ModifiedBefore         string          `json:"modified_before,omitempty"`
	MinSize                int64           `json:"min_size,omitempty"`
	MaxSize                int64           `json:"max_size,omitempty"`
	Parallelism            int             `json:"parallelism"`
	BytesPerSecond         int64           `json:"max_bytes_per_second,omitempty"`
	FilesPerSecond         float64         `json:"max_files_per_second,omitempty"`
	Schedule               []WindowSetting `json:"schedule,omitempty"`
	TimeZone               string          `json:"time_zone,omitempty"`
	PartSize               int64           `json:"part_size"`
	MultipartThreshold     int64           `json:"multipart_threshold"`
	MaxFailedFiles         int             `json:"max_failed_files"`
	AllowCrossCountry      bool            `json:"allow_cross_country"`
	ReportBucket           string          `json:"report_bucket"`
	ReportPrefix           string          `json:"report_prefix"`
}

// WindowSetting is one schedule window ("HH:MM" times).
type WindowSetting struct {
	Start          string `json:"start"`
	End            string `json:"end"`
	BytesPerSecond int64  `json:"max_bytes_per_second"`
}

// Latest is latest.json: which run is the newest.
type Latest struct {
	FormatVersion int       `json:"format_version"`
	Job           string    `json:"job"`
	RunID         string    `json:"run_id"`
	Status        string    `json:"status"`
	UpdatedAt     time.Time `json:"updated_at"`
}
