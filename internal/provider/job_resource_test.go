package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

const jobAddr = "ossmigrate_job.test"

// jobConfig is the provider block plus one job whose body is given.
func (e *accEnv) jobConfig(body string) string {
	return e.providerConfig() + "\nresource \"ossmigrate_job\" \"test\" {\n" + body + "\n}\n"
}

func (e *accEnv) wantObject(bucket, key string, want []byte) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, got, err := e.cloud.Object(bucket, key)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", bucket, key, err)
		}
		if string(got) != string(want) {
			return fmt.Errorf("%s/%s: %d bytes differ from the %d expected", bucket, key, len(got), len(want))
		}
		return nil
	}
}

func keysExact(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.ListExact(checks)
}

func at(name string) tfjsonpath.Path { return tfjsonpath.New(name) }

// noSecrets fails when any secret of the test accounts appears in the
// state or plan JSON.
type noSecrets struct{}

func (noSecrets) check(what string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	for _, secret := range []string{aliceKey, bobKey} {
		if i := strings.Index(string(data), secret); i >= 0 {
			return fmt.Errorf("the %s contains a secret key, after %q", what, string(data[max(0, i-300):i]))
		}
	}
	return nil
}

func (n noSecrets) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = n.check("state", req.State)
}

func (n noSecrets) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = n.check("plan", req.Plan)
}

// priorState checks a value of the resource in the state a plan starts from.
type priorState struct {
	attr string
	want any
}

func (p priorState) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address == jobAddr {
			if got := fmt.Sprint(r.AttributeValues[p.attr]); got != fmt.Sprint(p.want) {
				resp.Error = fmt.Errorf("prior state %s = %s, want %v", p.attr, got, p.want)
			}
			return
		}
	}
	resp.Error = fmt.Errorf("%s not in prior state", jobAddr)
}

// TestAccJob_CreateThenIncremental: a new job plans exactly what it will
// copy, copies it byte-exact, and the next plan is empty; new and newer
// source objects then show as an update that migrates just those.
func TestAccJob_CreateThenIncremental(t *testing.T) {
	e := newAccEnv(t)
	past := time.Now().Add(-time.Hour)
	objects := map[string][]byte{
		"data/a.txt": []byte("alpha"), "data/sub/b.txt": []byte("bravo bravo"), "data/empty": {},
		"data/sub/deep/c.bin": []byte(strings.Repeat("c", 3000)),
	}
	for k, v := range objects {
		e.putSpec("src", ossemu.ObjectSpec{Key: k, Data: v, LastModified: past})
	}
	e.putSpec("src", ossemu.ObjectSpec{Key: "data/cold.dat", Data: []byte("frozen"), StorageClass: "Archive", LastModified: past})
	cfg := e.envProviderConfig() + "\nresource \"ossmigrate_job\" \"test\" {\n" + `
  name = "incremental"
  source {
    bucket = "src"
    prefix = "data/"
  }
  destination {
    bucket = "dst"
    prefix = "copy/"
  }
` + "}\n"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionCreate),
						// Counted again by the apply: Terraform plans once more when it
						// applies and needs the same values, and the source may change.
						plancheck.ExpectUnknownValue(jobAddr, at("planned_files")),
						plancheck.ExpectUnknownValue(jobAddr, at("planned_bytes")),
						plancheck.ExpectUnknownValue(jobAddr, at("planned_keys")),
						plancheck.ExpectKnownValue(jobAddr, at("report_location"), knownvalue.StringExact("oss://dst/.ossmigrate/incremental/")),
						plancheck.ExpectUnknownValue(jobAddr, at("run_id")),
						noSecrets{},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobAddr, at("status"), knownvalue.StringExact("finished")),
					statecheck.ExpectKnownValue(jobAddr, at("migrated_count"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue(jobAddr, at("migrated_bytes"), knownvalue.Int64Exact(3016)),
					statecheck.ExpectKnownValue(jobAddr, at("total_files"), knownvalue.Int64Exact(5)),
					statecheck.ExpectKnownValue(jobAddr, at("skipped_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(jobAddr, at("failed_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(jobAddr, at("planned_files"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue(jobAddr, at("planned_bytes"), knownvalue.Int64Exact(5+11+0+3000)),
					statecheck.ExpectKnownValue(jobAddr, at("planned_keys"), keysExact("data/a.txt", "data/empty", "data/sub/b.txt", "data/sub/deep/c.bin")),
					statecheck.ExpectKnownValue(jobAddr, at("migrated_files"), keysExact("data/a.txt", "data/empty", "data/sub/b.txt", "data/sub/deep/c.bin")),
					statecheck.ExpectKnownValue(jobAddr, at("archived_files"), keysExact("data/cold.dat")),
					statecheck.ExpectKnownValue(jobAddr, at("failed_files"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(jobAddr, at("copy_method_used"), knownvalue.StringExact("server_side")),
					statecheck.ExpectKnownValue(jobAddr, at("files_truncated"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(jobAddr, at("id"), knownvalue.StringExact("oss://dst/.ossmigrate/incremental/")),
					noSecrets{},
				},
				Check: resource.ComposeTestCheckFunc(
					e.wantObject("dst", "copy/a.txt", []byte("alpha")),
					e.wantObject("dst", "copy/sub/b.txt", []byte("bravo bravo")),
					e.wantObject("dst", "copy/empty", []byte{}),
					e.wantObject("dst", "copy/sub/deep/c.bin", []byte(strings.Repeat("c", 3000))),
					resource.TestMatchResourceAttr(jobAddr, "run_id", regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{6}$`)),
				),
			},
			{
				PreConfig: func() {
					e.put("src", "data/new.txt", []byte("new object"))
					// Newer than its copy (Last-Modified has one-second resolution).
					e.putSpec("src", ossemu.ObjectSpec{Key: "data/a.txt", Data: []byte("alpha, edited"), LastModified: time.Now().Add(time.Minute)})
					e.cloud.ResetStats()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(jobAddr, at("planned_files"), knownvalue.Int64Exact(2)),
						plancheck.ExpectKnownValue(jobAddr, at("planned_keys"), keysExact("data/a.txt", "data/new.txt")),
						plancheck.ExpectUnknownValue(jobAddr, at("migrated_count")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobAddr, at("migrated_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(jobAddr, at("migrated_files"), keysExact("data/a.txt", "data/new.txt")),
					statecheck.ExpectKnownValue(jobAddr, at("skipped_count"), knownvalue.Int64Exact(4)),
				},
				Check: resource.ComposeTestCheckFunc(
					e.wantObject("dst", "copy/a.txt", []byte("alpha, edited")),
					e.wantObject("dst", "copy/new.txt", []byte("new object")),
					func(*terraform.State) error {
						if n := e.cloud.Succeeded("CopyObject"); n != 2 {
							return fmt.Errorf("%d CopyObject requests, want 2", n)
						}
						return nil
					},
				),
			},
			{
				// Import by the report location rebuilds the same state.
				ResourceName:            jobAddr,
				ImportState:             true,
				ImportStateId:           "oss://dst/.ossmigrate/incremental/",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"planned_files", "planned_bytes", "planned_keys"},
			},
			{
				// Forget the job (data and reports stay)...
				Config: e.envProviderConfig(),
				Check:  e.wantObject("dst", "copy/new.txt", []byte("new object")),
			},
			{
				// ...and import it by the short form <bucket>/<name>: the
				// plan after the import is empty.
				Config:             cfg,
				ResourceName:       jobAddr,
				ImportState:        true,
				ImportStateId:      "dst/incremental",
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["migrated_count"] != "2" || states[0].Attributes["source.prefix"] != "data/" {
						return fmt.Errorf("imported %v", states)
					}
					return nil
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// TestAccJob_NotIncremental: with incremental = false a finished job does
// not plan again for new source objects, but does when a trigger changes.
func TestAccJob_NotIncremental(t *testing.T) {
	e := newAccEnv(t)
	e.put("src", "ni/one", []byte("1"))
	cfg := func(trigger string) string {
		return e.jobConfig(fmt.Sprintf(`
  name        = "not-incremental"
  incremental = false
  triggers    = { run = %q }
  source {
    bucket = "src"
    prefix = "ni/"
  }
  destination {
    bucket = "dst"
    prefix = "ni/"
  }
`, trigger))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("a")},
			{
				PreConfig: func() { e.put("src", "ni/two", []byte("2")) },
				Config:    cfg("a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: cfg("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(jobAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(jobAddr, at("planned_files")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobAddr, at("planned_files"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(jobAddr, at("migrated_files"), keysExact("ni/two")),
				},
				Check: e.wantObject("dst", "ni/two", []byte("2")),
			},
		},
	})
}

// TestAccJob_OverwriteModes: never keeps a different destination object,
// always replaces it.
func TestAccJob_OverwriteModes(t *testing.T) {
	e := newAccEnv(t)
	e.put("src", "ow/k", []byte("source version"))
	e.putSpec("dst", ossemu.ObjectSpec{Key: "ow-never/k", Data: []byte("newer destination"), LastModified: time.Now().Add(time.Hour)})
	e.putSpec("dst", ossemu.ObjectSpec{Key: "ow-always/k", Data: []byte("newer destination"), LastModified: time.Now().Add(time.Hour)})
	e.putSpec("dst", ossemu.ObjectSpec{Key: "ow-ifnewer/k", Data: []byte("newer destination"), LastModified: time.Now().Add(time.Hour)})
	job := func(name, mode string) string {
		return fmt.Sprintf(`
resource "ossmigrate_job" %[1]q {
  name      = %[1]q
  overwrite = %[2]q
  source {
    bucket = "src"
    prefix = "ow/"
  }
  destination {
    bucket = "dst"
    prefix = "%[1]s/"
  }
}
`, name, mode)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerConfig() + job("ow-never", "never") + job("ow-always", "always") + job("ow-ifnewer", "if_newer"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("ossmigrate_job.ow-never", at("planned_files"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue("ossmigrate_job.ow-always", at("migrated_count"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue("ossmigrate_job.ow-ifnewer", at("skipped_count"), knownvalue.Int64Exact(1)),
			},
			Check: resource.ComposeTestCheckFunc(
				e.wantObject("dst", "ow-never/k", []byte("newer destination")),
				e.wantObject("dst", "ow-always/k", []byte("source version")),
				e.wantObject("dst", "ow-ifnewer/k", []byte("newer destination")),
			),
		}},
	})
}

// TestAccJob_CrossAccountAndRegion: bob's bucket through a credentials
// block (server-side copy denied, so streamed) and a bucket in another region.
func TestAccJob_CrossAccountAndRegion(t *testing.T) {
	e := newAccEnv(t)
	e.put("src", "xa/one", []byte("one"))
	e.put("src", "xa/two", []byte("two"))
	cfg := e.envProviderConfig() + fmt.Sprintf(`
resource "ossmigrate_job" "bob" {
  name = "to-bob"
  source {
    bucket = "src"
    prefix = "xa/"
  }
  destination {
    bucket      = "bob-dst"
    credentials = "bob"
  }
}

resource "ossmigrate_job" "shanghai" {
  name = "to-shanghai"
  source {
    bucket = "src"
    prefix = "xa/"
  }
  destination {
    bucket   = "dst-sh"
    region   = "cn-shanghai"
    endpoint = %q
    storage_class = "IA"
  }
}
`, e.shEndpoint())
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("ossmigrate_job.bob", at("copy_method_used"), knownvalue.StringExact("stream")),
				statecheck.ExpectKnownValue("ossmigrate_job.bob", at("migrated_count"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue("ossmigrate_job.bob", at("report_location"), knownvalue.StringExact("oss://bob-dst/.ossmigrate/to-bob/")),
				statecheck.ExpectKnownValue("ossmigrate_job.shanghai", at("copy_method_used"), knownvalue.StringExact("stream")),
				noSecrets{},
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{noSecrets{}},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(
				e.wantObject("bob-dst", "one", []byte("one")),
				e.wantObject("bob-dst", "two", []byte("two")),
				e.wantObject("dst-sh", "two", []byte("two")),
				func(*terraform.State) error {
					rec, _, err := e.cloud.Object("dst-sh", "one")
					if err != nil || rec.StorageClass != "IA" {
						return fmt.Errorf("dst-sh/one class %q, %v", rec.StorageClass, err)
					}
					if e.cloud.Requests("CopyObject") < 1 {
						return fmt.Errorf("no server-side attempt was made for the same-region job")
					}
					return nil
				},
			),
		}},
	})
}

// TestAccJob_FailuresBeyondMaxThenRetry: a failure over max_failed_files
// fails the apply naming the key; the state records the run; once the fault
// is gone the next apply copies exactly the missing object.
func TestAccJob_FailuresBeyondMaxThenRetry(t *testing.T) {
	e := newAccEnv(t)
	for _, k := range []string{"ok-1", "ok-2", "broken"} {
		e.put("src", "fm/"+k, []byte(k))
	}
	var fault, putFault int
	cfg := e.jobConfig(`
  name = "failures"
  source {
    bucket = "src"
    prefix = "fm/"
  }
  destination {
    bucket = "dst"
    prefix = "fm/"
  }
`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					// Refused server-side and, after auto's fallback, streamed too.
					fault = e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "CopyObject", Key: "fm/broken", Status: 403, Code: "AccessDenied"})
					putFault = e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultError, Op: "PutObject", Key: "fm/broken", Status: 403, Code: "AccessDenied"})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Migration Failed.*could not migrate 1 files.*fm/broken: .*AccessDenied`),
			},
			{
				PreConfig: func() {
					e.cloud.RemoveFault(fault)
					e.cloud.RemoveFault(putFault)
					e.cloud.ResetStats()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						priorState{"status", "failed"},
						priorState{"failed_count", 1},
						priorState{"migrated_count", 2},
						plancheck.ExpectNonEmptyPlan(),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobAddr, at("status"), knownvalue.StringExact("finished")),
					statecheck.ExpectKnownValue(jobAddr, at("migrated_files"), keysExact("fm/broken")),
				},
				Check: resource.ComposeTestCheckFunc(
					e.wantObject("dst", "fm/broken", []byte("broken")),
					func(*terraform.State) error {
						if n := e.cloud.Succeeded("CopyObject"); n != 1 {
							return fmt.Errorf("%d CopyObject requests, want exactly the missing object", n)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccJob_TimeoutInterruptsThenResumes: a run that outlives its timeout
// stops as interrupted with an error; the next apply finishes the rest.
func TestAccJob_TimeoutInterruptsThenResumes(t *testing.T) {
	e := newAccEnv(t)
	for i := range 6 {
		e.put("src", fmt.Sprintf("to/%d", i), []byte(fmt.Sprint(i)))
	}
	var fault int
	cfg := e.jobConfig(`
  name = "timeout"
  limits {
    parallelism = 1
  }
  source {
    bucket = "src"
    prefix = "to/"
  }
  destination {
    bucket = "dst"
    prefix = "to/"
  }
  timeouts {
    create = "2s"
  }
`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					// The third copy hangs far longer than the timeout.
					fault = e.cloud.AddFault(ossemu.Fault{Kind: ossemu.FaultLatency, Op: "CopyObject", After: 2, Latency: time.Minute})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Migration Interrupted.*longer than its timeout`),
			},
			{
				PreConfig: func() { e.cloud.RemoveFault(fault) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{priorState{"status", "interrupted"}},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobAddr, at("status"), knownvalue.StringExact("finished")),
				},
				Check: func(*terraform.State) error {
					keys, _ := e.cloud.Keys("dst", "to/")
					sort.Strings(keys)
					if len(keys) != 6 {
						return fmt.Errorf("destination has %v", keys)
					}
					if ups := e.cloud.Uploads(""); len(ups) != 0 {
						return fmt.Errorf("unfinished uploads %v", ups)
					}
					return nil
				},
			},
		},
	})
}
