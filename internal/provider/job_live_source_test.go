package provider

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
)

// liveSourceProvider is the provider whose job resource writes one more
// source object before every listing or run: a bucket that changes between
// the plan and the apply, as a live one does.
type liveSourceProvider struct {
	*testProvider
	beforeEngine func()
}

func (p *liveSourceProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource {
		return &jobResource{newEngine: func(ctx context.Context, opts engine.Options) *engine.Engine {
			p.beforeEngine()
			opts.Logger = newTflogLogger(ctx)
			return engine.New(opts)
		}}
	}}
}

// TestAccJob_LiveSource: a new job over a source that changes between the
// plan and the apply applies (Terraform plans again when it applies and
// refuses planned values that changed), and its state says what the run
// found and copied.
func TestAccJob_LiveSource(t *testing.T) {
	e := newAccEnv(t)
	var writes atomic.Int64
	p := &liveSourceProvider{
		testProvider: &testProvider{OssmigrateProvider: &OssmigrateProvider{version: "test"}},
		beforeEngine: func() { e.put("src", fmt.Sprintf("live/%03d", writes.Add(1)), []byte("x")) },
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck: func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"ossmigrate": providerserver.NewProtocol6WithError(p),
		},
		Steps: []tfresource.TestStep{{
			Config: e.jobConfig(`
  name = "live"
  source {
    bucket = "src"
    prefix = "live/"
  }
  destination {
    bucket = "dst"
    prefix = "live/"
  }
`),
			// The source keeps changing, so there is always more to copy.
			ExpectNonEmptyPlan: true,
			ConfigStateChecks: []statecheck.StateCheck{
				// Plan, plan again at apply, run: three writes before the run listed.
				statecheck.ExpectKnownValue(jobAddr, at("planned_files"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(jobAddr, at("migrated_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(jobAddr, at("planned_keys"), keysExact("live/001", "live/002", "live/003")),
			},
		}},
	})
}

// TestAccJob_StateLimitAboveDefault: a state_limit above the engine's
// default of 1,000 keys keeps that many keys in state.
func TestAccJob_StateLimitAboveDefault(t *testing.T) {
	e := newAccEnv(t)
	for i := range 1100 {
		e.put("src", fmt.Sprintf("many/%04d", i), nil)
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{{
			Config: e.jobConfig(`
  name = "many"
  source {
    bucket = "src"
    prefix = "many/"
  }
  destination {
    bucket = "dst"
    prefix = "many/"
  }
  report {
    state_limit = 1200
  }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobAddr, at("migrated_count"), knownvalue.Int64Exact(1100)),
				statecheck.ExpectKnownValue(jobAddr, at("migrated_files"), knownvalue.ListSizeExact(1100)),
				statecheck.ExpectKnownValue(jobAddr, at("files_truncated"), knownvalue.Bool(false)),
			},
		}},
	})
}
