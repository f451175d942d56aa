// Package engine runs object-storage migrations: it lists both sides in key
// order, merge-joins them to decide what to copy, copies with a bounded
// worker pool (server-side where it can, streamed otherwise), verifies every
// object, and writes a report next to the data. It knows nothing of
// Terraform; storage is reached through package storage.
package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/report"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// OverwriteMode says when an existing destination object is replaced.
type OverwriteMode string

// Overwrite modes.
const (
	// OverwriteNever copies only objects missing at the destination.
	OverwriteNever OverwriteMode = "never"
	// OverwriteAlways replaces every destination object that differs from
	// its source (size, ETag where comparable, or an older copy), even one
	// that is newer than the source. Identical objects are not copied again.
	OverwriteAlways OverwriteMode = "always"
	// OverwriteIfNewer replaces a destination object only when the source's
	// LastModified is later, as Data Online Migration does.
	OverwriteIfNewer OverwriteMode = "if_newer"
)

// OverwriteModes lists the valid modes, default first.
var OverwriteModes = []OverwriteMode{OverwriteIfNewer, OverwriteNever, OverwriteAlways}

// VerifyMode says how a copy is checked.
type VerifyMode string

// Verify modes.
const (
	// VerifyCRC64 compares CRC-64/ECMA of source and destination from the
	// headers OSS returns (no data is read again).
	VerifyCRC64 VerifyMode = "crc64"
	// VerifySize compares sizes only.
	VerifySize VerifyMode = "size"
	// VerifyNone trusts the store.
	VerifyNone VerifyMode = "none"
)

// VerifyModes lists the valid modes, default first.
var VerifyModes = []VerifyMode{VerifyCRC64, VerifySize, VerifyNone}

// CopyMethod says how bytes move.
type CopyMethod string

// Copy methods.
const (
	// CopyAuto copies server-side when both buckets share a region and falls
	// back to streaming (for the rest of the run) on AccessDenied.
	CopyAuto CopyMethod = "auto"
	// CopyServerSide only copies server-side (CopyObject, UploadPartCopy).
	CopyServerSide CopyMethod = "server_side"
	// CopyStream always reads from the source and writes to the destination.
	CopyStream CopyMethod = "stream"
)

// CopyMethods lists the valid methods, default first.
var CopyMethods = []CopyMethod{CopyAuto, CopyServerSide, CopyStream}

// Location is a bucket and prefix with the credentials to reach it.
type Location struct {
	storage.Endpoint
	// Prefix is the key prefix ("" for the whole bucket); a non-empty
	// prefix is treated as a directory: "logs" and "logs/" both mean "logs/".
	Prefix string
	// CredentialsName names the credential set, for the spec digest and
	// reports (the keys themselves are never recorded).
	CredentialsName string
}

// Filter selects source objects. Globs match the key relative to the
// source prefix: '*' does not cross '/', '**' does, '?' is one character,
// [...] a class. An object is selected when it matches at least one Include
// (or Include is empty) and no Exclude.
type Filter struct {
	Include        []string
	Exclude        []string
	ModifiedAfter  time.Time // zero: no bound; exclusive
	ModifiedBefore time.Time // zero: no bound; exclusive
	MinSize        int64     // bytes, inclusive
	MaxSize        int64     // bytes, inclusive; 0: no bound
}

// Window is a time-of-day window with its own bandwidth, like the flow
// control schedule of Data Online Migration. Start and End are minutes after
// midnight in Limits.TimeZone; End <= Start wraps past midnight.
type Window struct {
	Start, End     int
	BytesPerSecond int64 // 0: unlimited during the window
}

// Limits bound how fast a run goes.
type Limits struct {
	Parallelism    int     // concurrent object copies; 0: DefaultParallelism
	BytesPerSecond int64   // 0: unlimited (outside schedule windows)
	FilesPerSecond float64 // 0: unlimited
	Schedule       []Window
	TimeZone       *time.Location // for Schedule; nil: UTC
}

// ReportSpec says where reports go.
type ReportSpec struct {
	// Location is the report bucket; a zero Endpoint means the destination.
	Location storage.Endpoint
	// Prefix under which <job>/<run>/ is written; default ".ossmigrate/".
	Prefix string
}

// Spec is one migration job.
type Spec struct {
	Name        string
	Source      Location
	Destination Location
	Overwrite   OverwriteMode
	Verify      VerifyMode
	CopyMethod  CopyMethod
	Filter      Filter
	Limits      Limits
	// PartSize is the multipart part size; 0: DefaultPartSize. It grows
	// when an object would need more than MaxParts parts.
	PartSize int64
	// MultipartThreshold is the size from which objects are copied in
	// parts; 0: DefaultMultipartThreshold.
	MultipartThreshold int64
	// StorageClass of the destination objects; "": keep the source's.
	StorageClass      string
	Report            ReportSpec
	MaxFailedFiles    int
	AllowCrossCountry bool
}

// Defaults.
const (
	DefaultParallelism        = 16
	DefaultPartSize           = 16 << 20
	DefaultMultipartThreshold = 64 << 20
	DefaultReportPrefix       = ".ossmigrate/"
	// MaxParts is OSS's part count limit.
	MaxParts = 10000
	// MinPartSize is OSS's smallest part but the last.
	MinPartSize = 100 << 10
	// MaxPartSize is OSS's largest part.
	MaxPartSize = 5 << 30
	// MaxCopyObjectSize is the largest object copied with one CopyObject;
	// OSS documents 1 GB when the storage class changes and 5 GB otherwise,
	// and older pages 1 GB flat, so the engine stays below 1 GB.
	MaxCopyObjectSize = 1 << 30
)

// StorageClasses the destination may be given.
var StorageClasses = []string{"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"}

// normalizePrefix makes a non-empty prefix end with "/".
func normalizePrefix(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}

// withDefaults returns a copy of s with zero values replaced by defaults
// and prefixes normalized.
func (s Spec) withDefaults() Spec {
	if s.Overwrite == "" {
		s.Overwrite = OverwriteIfNewer
	}
	if s.Verify == "" {
		s.Verify = VerifyCRC64
	}
	if s.CopyMethod == "" {
		s.CopyMethod = CopyAuto
	}
	if s.Limits.Parallelism <= 0 {
		s.Limits.Parallelism = DefaultParallelism
	}
	if s.Limits.TimeZone == nil {
		s.Limits.TimeZone = time.UTC
	}
	if s.PartSize <= 0 {
		s.PartSize = DefaultPartSize
	}
	if s.MultipartThreshold <= 0 {
		s.MultipartThreshold = DefaultMultipartThreshold
	}
	s.Source.Prefix = normalizePrefix(s.Source.Prefix)
	s.Destination.Prefix = normalizePrefix(s.Destination.Prefix)
	if s.Report.Location.Bucket == "" {
		s.Report.Location = s.Destination.Endpoint
	}
	if s.Report.Prefix == "" {
		s.Report.Prefix = DefaultReportPrefix
	}
	s.Report.Prefix = normalizePrefix(s.Report.Prefix)
	return s
}

// Validate checks a spec without touching storage. Each problem names the
// field and what is allowed.
func (s Spec) Validate() error {
	s = s.withDefaults()
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Name == "" || strings.ContainsAny(s.Name, "/\\") || len(s.Name) > 128 {
		add("name %q: must be 1-128 characters without '/' or '\\'", s.Name)
	}
	for _, side := range []struct {
		field string
		loc   Location
	}{{"source", s.Source}, {"destination", s.Destination}} {
		if err := ValidateBucketName(side.loc.Bucket); err != nil {
			add("%s.bucket: %v", side.field, err)
		}
		if err := ValidatePrefix(side.loc.Prefix); err != nil {
			add("%s.prefix: %v", side.field, err)
		}
		if _, ok := RegionCountry(side.loc.Region); !ok {
			add("%s.region %q: unknown OSS region; use one of %s", side.field, side.loc.Region, strings.Join(KnownRegions(), ", "))
		}
	}
	if err := CheckOverlap(s.Source.Bucket, s.Source.Prefix, s.Destination.Bucket, s.Destination.Prefix); err != nil {
		add("%v", err)
	}
	if !s.AllowCrossCountry {
		if err := CheckCountries(s.Source.Region, s.Destination.Region); err != nil {
			add("%v", err)
		}
	}
	if !slices.Contains(OverwriteModes, s.Overwrite) {
		add("overwrite %q: must be one of %s", s.Overwrite, joinEnum(OverwriteModes))
	}
	if !slices.Contains(VerifyModes, s.Verify) {
		add("verify %q: must be one of %s", s.Verify, joinEnum(VerifyModes))
	}
	if !slices.Contains(CopyMethods, s.CopyMethod) {
		add("copy_method %q: must be one of %s", s.CopyMethod, joinEnum(CopyMethods))
	}
	if s.StorageClass != "" && !slices.Contains(StorageClasses, s.StorageClass) {
		add("destination.storage_class %q: must be one of %s", s.StorageClass, strings.Join(StorageClasses, ", "))
	}
	if err := s.Filter.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := s.Limits.Validate(); err != nil {
		errs = append(errs, err)
	}
	if s.PartSize < MinPartSize || s.PartSize > MaxPartSize {
		add("part_size %d: must be between %d (100 KiB) and %d (5 GiB)", s.PartSize, MinPartSize, int64(MaxPartSize))
	}
	if s.MaxFailedFiles < 0 {
		add("max_failed_files %d: must be 0 or more", s.MaxFailedFiles)
	}
	if err := ValidatePrefix(s.Report.Prefix); err != nil {
		add("report.prefix: %v", err)
	}
	return errors.Join(errs...)
}

func joinEnum[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// ValidateBucketName applies OSS's bucket naming rules.
func ValidateBucketName(name string) error { return storage.ValidateBucketName(name) }

// ValidatePrefix applies OSS's key rules to a prefix.
func ValidatePrefix(p string) error {
	switch {
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`):
		return fmt.Errorf("%q must not start with '/' or '\\' (OSS keys cannot)", p)
	case len(p) > 1000:
		return fmt.Errorf("must be at most 1000 bytes")
	case strings.ContainsAny(p, "\r\n"):
		return fmt.Errorf("%q must not contain line breaks", p)
	}
	return nil
}

// CheckOverlap refuses a source and destination in one bucket whose prefixes
// contain each other: the job would copy into its own source.
func CheckOverlap(srcBucket, srcPrefix, dstBucket, dstPrefix string) error {
	if srcBucket != dstBucket {
		return nil
	}
	srcPrefix, dstPrefix = normalizePrefix(srcPrefix), normalizePrefix(dstPrefix)
	if strings.HasPrefix(dstPrefix, srcPrefix) || strings.HasPrefix(srcPrefix, dstPrefix) {
		return fmt.Errorf("source %s/%s and destination %s/%s overlap: the job would copy into its own source; use prefixes that do not contain each other",
			srcBucket, srcPrefix, dstBucket, dstPrefix)
	}
	return nil
}

// Digest identifies a spec's meaning (not its secrets) in reports.
func (s Spec) Digest() string {
	s = s.withDefaults()
	type side struct{ Region, Endpoint, Bucket, Prefix, Credentials string }
	view := struct {
		Name                           string
		Source, Destination            side
		Overwrite, Verify, Copy, Class string
		Filter                         Filter
		Parallelism                    int
		BytesPerSecond                 int64
		FilesPerSecond                 float64
		Schedule                       []Window
		PartSize, Threshold            int64
		ReportBucket, ReportPrefix     string
		MaxFailedFiles                 int
		AllowCrossCountry              bool
	}{
		Name:        s.Name,
		Source:      side{s.Source.Region, s.Source.Endpoint.Endpoint, s.Source.Bucket, s.Source.Prefix, s.Source.CredentialsName},
		Destination: side{s.Destination.Region, s.Destination.Endpoint.Endpoint, s.Destination.Bucket, s.Destination.Prefix, s.Destination.CredentialsName},
		Overwrite:   string(s.Overwrite), Verify: string(s.Verify), Copy: string(s.CopyMethod), Class: s.StorageClass,
		Filter: s.Filter, Parallelism: s.Limits.Parallelism, BytesPerSecond: s.Limits.BytesPerSecond,
		FilesPerSecond: s.Limits.FilesPerSecond, Schedule: s.Limits.Schedule, PartSize: s.PartSize, Threshold: s.MultipartThreshold,
		ReportBucket: s.Report.Location.Bucket, ReportPrefix: s.Report.Prefix, MaxFailedFiles: s.MaxFailedFiles, AllowCrossCountry: s.AllowCrossCountry,
	}
	data, _ := json.Marshal(view)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// settings records the spec's non-secret settings for summary.json.
func (s Spec) settings() *report.Settings {
	out := &report.Settings{
		SourceEndpoint: s.Source.Endpoint.Endpoint, SourceCredentials: s.Source.CredentialsName,
		DestinationEndpoint: s.Destination.Endpoint.Endpoint, DestinationCredentials: s.Destination.CredentialsName,
		StorageClass: s.StorageClass, Overwrite: string(s.Overwrite), Verify: string(s.Verify), CopyMethod: string(s.CopyMethod),
		Include: s.Filter.Include, Exclude: s.Filter.Exclude, MinSize: s.Filter.MinSize, MaxSize: s.Filter.MaxSize,
		Parallelism: s.Limits.Parallelism, BytesPerSecond: s.Limits.BytesPerSecond, FilesPerSecond: s.Limits.FilesPerSecond,
		PartSize: s.PartSize, MultipartThreshold: s.MultipartThreshold, MaxFailedFiles: s.MaxFailedFiles,
		AllowCrossCountry: s.AllowCrossCountry, ReportBucket: s.Report.Location.Bucket, ReportPrefix: s.Report.Prefix,
	}
	if !s.Filter.ModifiedAfter.IsZero() {
		out.ModifiedAfter = s.Filter.ModifiedAfter.UTC().Format(time.RFC3339)
	}
	if !s.Filter.ModifiedBefore.IsZero() {
		out.ModifiedBefore = s.Filter.ModifiedBefore.UTC().Format(time.RFC3339)
	}
	if s.Limits.TimeZone != nil && s.Limits.TimeZone != time.UTC {
		out.TimeZone = s.Limits.TimeZone.String()
	}
	for _, w := range s.Limits.Schedule {
		out.Schedule = append(out.Schedule, report.WindowSetting{Start: FormatTimeOfDay(w.Start), End: FormatTimeOfDay(w.End), BytesPerSecond: w.BytesPerSecond})
	}
	return out
}

// FormatTimeOfDay renders minutes after midnight as "HH:MM".
func FormatTimeOfDay(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
