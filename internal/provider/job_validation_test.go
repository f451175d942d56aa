package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// wrappedRegexp compiles a pattern whose spaces match any run of white
// space, since Terraform wraps diagnostic text at about 76 columns.
func wrappedRegexp(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}

// TestAccJob_ValidationErrors: every kind of bad input is refused at plan
// time with an error that names the attribute and what is allowed, and no
// request ever writes to storage.
func TestAccJob_ValidationErrors(t *testing.T) {
	e := newAccEnv(t)
	e.put("src", "v/k", []byte("x"))
	base := func(extra, src, dst string) string {
		return e.jobConfig(fmt.Sprintf(`
  name = "validation"
  %s
  source {
    %s
  }
  destination {
    %s
  }
`, extra, src, dst))
	}
	okSrc, okDst := `bucket = "src"
    prefix = "v/"`, `bucket = "dst"`
	cases := []struct {
		name     string
		extra    string
		src, dst string
		want     string
	}{
		{"bucket name", "", `bucket = "Bad_Bucket"`, okDst, `(?s)Invalid OSS bucket name.*source.bucket.*lowercase letters, digits and hyphens`},
		{"short bucket", "", okSrc, `bucket = "ab"`, `(?s)destination.bucket.*3 to 63 characters`},
		{"prefix", "", `bucket = "src"
    prefix = "/v"`, okDst, `(?s)source.prefix.*must not start with '/'`},
		{"overlap", "", `bucket = "src"
    prefix = "a/"`, `bucket = "src"
    prefix = "a/b/"`, `(?s)Source and Destination Overlap.*copy into its own source`},
		{"unknown region", "", okSrc, `bucket = "dst"
    region = "mars-1"`, `(?s)destination.region.*"mars-1" is not a known OSS region ID; use one of`},
		{"cross country", "", okSrc, `bucket = "dst"
    region = "us-west-1"
    endpoint = "https://oss-us-west-1.aliyuncs.com"`, `(?s)Cross-Country Migration Not Allowed.*allow_cross_country = true`},
		{"hong kong is cross-border", "", okSrc, `bucket = "dst"
    region = "cn-hongkong"`, `(?s)Hong Kong \(China\).*allow_cross_country`},
		{"credentials name", "", okSrc, `bucket = "dst"
    credentials = "carol"`, `(?s)destination.credentials: no credentials block named "carol".*declared: bob, default`},
		{"storage class", "", okSrc, `bucket = "dst"
    storage_class = "Glacier"`, `(?s)destination.storage_class.*value must be one of`},
		{"http endpoint", "", okSrc, `bucket = "dst"
    endpoint = "http://oss.example.com"`, `(?s)plain http is only allowed for loopback endpoints`},
		{"overwrite", `overwrite = "sometimes"`, okSrc, okDst, `(?s)overwrite.*value must be one of.*"if_newer"`},
		{"glob", `filter {
    include = ["logs/[ab"]
  }`, okSrc, okDst, `(?s)Invalid glob pattern.*filter.include\[0\].*not closed`},
		{"time format", `filter {
    modified_after = "yesterday"
  }`, okSrc, okDst, `(?s)filter.modified_after.*not an RFC 3339 time`},
		{"time range", `filter {
    modified_after  = "2024-05-01T00:00:00Z"
    modified_before = "2024-04-01T00:00:00Z"
  }`, okSrc, okDst, `(?s)Invalid Time Range.*must be later than filter.modified_after`},
		{"size range", `filter {
    min_size = 100
    max_size = 10
  }`, okSrc, okDst, `(?s)filter.max_size \(10\) must not be smaller than filter.min_size \(100\)`},
		{"parallelism", `limits {
    parallelism = 0
  }`, okSrc, okDst, `(?s)limits.parallelism value must be between 1 and 1000`},
		{"bandwidth", `limits {
    max_bytes_per_second = -5
  }`, okSrc, okDst, `(?s)limits.max_bytes_per_second value must be at least 0`},
		{"schedule time", `limits {
    schedule {
      start = "25:00"
      end   = "06:00"
    }
  }`, okSrc, okDst, `(?s)limits.schedule\[0\].start.*want HH:MM`},
		{"schedule overlap", `limits {
    schedule {
      start = "22:00"
      end   = "06:00"
    }
    schedule {
      start = "05:00"
      end   = "07:00"
    }
  }`, okSrc, okDst, `(?s)Overlapping Schedule Windows.*limits.schedule\[1\]`},
		{"time zone", `limits {
    time_zone = "Mars/Olympus"
  }`, okSrc, okDst, `(?s)limits.time_zone.*not an IANA time zone`},
		{"part size", `limits {
    part_size = 1000
  }`, okSrc, okDst, `(?s)limits.part_size value must be between 102400`},
		{"max failed", `max_failed_files = -1`, okSrc, okDst, `(?s)max_failed_files value must be at least 0`},
	}
	steps := make([]resource.TestStep, 0, len(cases)+2)
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      base(tc.extra, tc.src, tc.dst),
			PlanOnly:    true,
			ExpectError: wrappedRegexp(tc.want),
		})
	}
	steps = append(steps,
		resource.TestStep{
			Config:      e.jobConfig(`name = "no-blocks"`),
			PlanOnly:    true,
			ExpectError: wrappedRegexp(`(?s)Block source must have a configuration value`),
		},
		resource.TestStep{
			Config: e.jobConfig(`name = "a/b"
  source {
    bucket = "src"
  }
  destination {
    bucket = "dst"
  }`),
			PlanOnly:    true,
			ExpectError: wrappedRegexp(`(?s)Attribute name may contain letters, digits, '.', '_' and '-' only`),
		},
	)
	steps = append(steps, resource.TestStep{
		Config:      strings.Replace(base("", okSrc, okDst), e.cloud.Endpoint(accHZ), "http://oss.example.com", 1),
		PlanOnly:    true,
		ExpectError: wrappedRegexp(`(?s)Invalid OSS endpoint.*endpoint: "http://oss.example.com": plain http is only allowed for loopback`),
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if n := e.writeRequests(); n != 0 {
				return fmt.Errorf("%d write requests reached storage during validation", n)
			}
			return nil
		},
	})
	if n := e.writeRequests(); n != 0 {
		t.Fatalf("%d write requests reached storage during validation", n)
	}
}

// TestGlobWarning: a pattern starting with "/" is allowed (keys may hold
// "//") but warned about, with the pattern the user probably meant.
func TestGlobWarning(t *testing.T) {
	for pattern, warn := range map[string]bool{"/data/**": true, "data/**": false, "**/*.log": false} {
		req := validator.StringRequest{Path: path.Root("filter").AtName("include").AtListIndex(0), ConfigValue: types.StringValue(pattern)}
		var resp validator.StringResponse
		globWarning{}.ValidateString(t.Context(), req, &resp)
		if resp.Diagnostics.HasError() || (resp.Diagnostics.WarningsCount() == 1) != warn {
			t.Fatalf("%q: diagnostics %v, want a warning: %v", pattern, resp.Diagnostics, warn)
		}
		if warn {
			d := resp.Diagnostics.Warnings()[0]
			if !strings.Contains(d.Detail(), `filter.include[0]: "/data/**"`) || !strings.Contains(d.Detail(), `Did you mean "data/**"?`) {
				t.Fatalf("warning detail %q", d.Detail())
			}
		}
	}
}

// TestAccJob_PlanErrors: what only the plan's listing can find (a missing
// bucket, a wrong secret) fails the plan with the store's error and the
// credential sets in use, and writes nothing.
func TestAccJob_PlanErrors(t *testing.T) {
	e := newAccEnv(t)
	job := func(srcBucket, dstBucket, dstCredentials string) string {
		return fmt.Sprintf(`
  name = "plan-errors"
  source {
    bucket = %q
  }
  destination {
    bucket      = %q
    credentials = %q
  }
`, srcBucket, dstBucket, dstCredentials)
	}
	wrongBobSecret := strings.Replace(e.jobConfig(job("src", "bob-dst", "bob")), fmt.Sprintf("%q", bobKey), `"not-bobs-secret"`, 1)
	if !strings.Contains(wrongBobSecret, "not-bobs-secret") {
		t.Fatal("the configuration does not hold bob's secret")
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      e.jobConfig(job("no-such-bucket", "bob-dst", "bob")),
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`(?s)Unable to Plan Migration.*oss://no-such-bucket/ \(credentials "default"\) and oss://bob-dst/ \(credentials "bob"\).*List no-such-bucket: 404 NoSuchBucket`),
			},
			{
				Config:      wrongBobSecret,
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`(?s)Unable to Plan Migration.*\(credentials "bob"\).*List bob-dst: 403 SignatureDoesNotMatch`),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := e.writeRequests(); n != 0 {
				return fmt.Errorf("%d write requests reached storage", n)
			}
			return nil
		},
	})
}
