package engine

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

// CompileGlob turns a key glob into a regular expression: '*' matches within
// one path segment, '**' across segments ("**/" also matches no segment),
// '?' one character, [...] and [!...] a character class; other characters
// match themselves.
func CompileGlob(glob string) (*regexp.Regexp, error) {
	if glob == "" {
		return nil, errors.New("empty pattern")
	}
	var sb strings.Builder
	sb.WriteString(`^`)
	for i := 0; i < len(glob); i++ {
		ch := glob[i]
		switch ch {
		case '*':
			if i+1 < len(glob) && glob[i+1] == '*' {
				i++
				if i+1 < len(glob) && glob[i+1] == '/' {
					i++
					sb.WriteString(`(?:.*/)?`)
				} else {
					sb.WriteString(`.*`)
				}
			} else {
				sb.WriteString(`[^/]*`)
			}
		case '?':
			sb.WriteString(`[^/]`)
		case '[':
			end := strings.IndexByte(glob[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("%q: '[' at position %d is not closed by ']'", glob, i+1)
			}
			class := glob[i+1 : i+1+end]
			if class == "" || class == "!" {
				return nil, fmt.Errorf("%q: empty character class at position %d", glob, i+1)
			}
			if class[0] == '!' {
				class = "^" + class[1:]
			}
			sb.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		default:
			sb.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	sb.WriteString(`$`)
	re, err := regexp.Compile(sb.String())
	if err != nil {
		return nil, fmt.Errorf("%q: %v", glob, err)
	}
	return re, nil
}

func (f Filter) validate() error {
	_, err := newMatcher(f)
	errs := []error{err}
	if !f.ModifiedAfter.IsZero() && !f.ModifiedBefore.IsZero() && !f.ModifiedBefore.After(f.ModifiedAfter) {
		errs = append(errs, fmt.Errorf("filter.modified_before (%s) must be later than filter.modified_after (%s)",
			f.ModifiedBefore.Format(time.RFC3339), f.ModifiedAfter.Format(time.RFC3339)))
	}
	if f.MinSize < 0 {
		errs = append(errs, fmt.Errorf("filter.min_size %d: must be 0 or more", f.MinSize))
	}
	if f.MaxSize < 0 {
		errs = append(errs, fmt.Errorf("filter.max_size %d: must be 0 (no limit) or more", f.MaxSize))
	}
	if f.MaxSize > 0 && f.MaxSize < f.MinSize {
		errs = append(errs, fmt.Errorf("filter.max_size %d must not be smaller than filter.min_size %d", f.MaxSize, f.MinSize))
	}
	return errors.Join(errs...)
}

// matcher is a compiled Filter.
type matcher struct {
	f                Filter
	include, exclude []*regexp.Regexp
}

// newMatcher compiles f's globs; its error names every bad one.
func newMatcher(f Filter) (*matcher, error) {
	m := &matcher{f: f}
	var errs []error
	compile := func(attr string, globs []string) (out []*regexp.Regexp) {
		for i, g := range globs {
			re, err := CompileGlob(g)
			if err != nil {
				errs = append(errs, fmt.Errorf("filter.%s[%d]: %v", attr, i, err))
			}
			out = append(out, re)
		}
		return out
	}
	m.include, m.exclude = compile("include", f.Include), compile("exclude", f.Exclude)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// reject returns why an object (rel = key relative to the source prefix) is
// filtered out, or "" when it is selected.
func (m *matcher) reject(rel string, o storage.Object) string {
	if len(m.include) > 0 {
		ok := false
		for _, re := range m.include {
			if re.MatchString(rel) {
				ok = true
				break
			}
		}
		if !ok {
			return "filtered: matches no include pattern"
		}
	}
	for i, re := range m.exclude {
		if re.MatchString(rel) {
			return fmt.Sprintf("filtered: matches exclude pattern %q", m.f.Exclude[i])
		}
	}
	f := m.f
	switch {
	case !f.ModifiedAfter.IsZero() && !o.LastModified.After(f.ModifiedAfter):
		return "filtered: modified at or before modified_after"
	case !f.ModifiedBefore.IsZero() && !o.LastModified.Before(f.ModifiedBefore):
		return "filtered: modified at or after modified_before"
	case o.Size < f.MinSize:
		return "filtered: smaller than min_size"
	case f.MaxSize > 0 && o.Size > f.MaxSize:
		return "filtered: larger than max_size"
	}
	return ""
}

// Validate checks the limits; each problem names the field.
func (l Limits) Validate() error {
	var errs []error
	if l.Parallelism < 0 || l.Parallelism > 1000 {
		errs = append(errs, fmt.Errorf("limits.parallelism %d: must be between 1 and 1000", l.Parallelism))
	}
	if l.BytesPerSecond < 0 {
		errs = append(errs, fmt.Errorf("limits.max_bytes_per_second %d: must not be negative (0 or unset: no limit)", l.BytesPerSecond))
	}
	if l.FilesPerSecond < 0 {
		errs = append(errs, fmt.Errorf("limits.max_files_per_second %g: must not be negative (0 or unset: no limit)", l.FilesPerSecond))
	}
	for i, w := range l.Schedule {
		if w.Start < 0 || w.Start >= 24*60 || w.End < 0 || w.End > 24*60 || w.Start == w.End {
			errs = append(errs, fmt.Errorf("limits.schedule[%d]: start and end must be different times of day between 00:00 and 24:00", i))
			continue
		}
		if w.BytesPerSecond < 0 {
			errs = append(errs, fmt.Errorf("limits.schedule[%d].max_bytes_per_second %d: must not be negative (0 or unset: no limit)", i, w.BytesPerSecond))
		}
		for j := range i {
			if WindowsOverlap(l.Schedule[j], w) {
				errs = append(errs, fmt.Errorf("limits.schedule[%d] overlaps limits.schedule[%d]: windows must not overlap", i, j))
			}
		}
	}
	return errors.Join(errs...)
}

// minutes returns the minute-of-day ranges a window covers, split at midnight.
func (w Window) minutes() [][2]int {
	if w.End > w.Start {
		return [][2]int{{w.Start, w.End}}
	}
	return [][2]int{{w.Start, 24 * 60}, {0, w.End}}
}

// WindowsOverlap reports whether two schedule windows share a minute.
func WindowsOverlap(a, b Window) bool {
	for _, x := range a.minutes() {
		for _, y := range b.minutes() {
			if x[0] < y[1] && y[0] < x[1] {
				return true
			}
		}
	}
	return false
}

// contains reports whether minute-of-day m falls in the window.
func (w Window) contains(m int) bool {
	for _, r := range w.minutes() {
		if m >= r[0] && m < r[1] {
			return true
		}
	}
	return false
}

// ParseTimeOfDay parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func ParseTimeOfDay(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q: want HH:MM, e.g. 01:30", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q: want HH:MM between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}
