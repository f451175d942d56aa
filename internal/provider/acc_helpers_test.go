package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// testAccProtoV6ProviderFactories runs the provider in the test process for
// terraform-plugin-testing; Terraform reaches it through TF_REATTACH_PROVIDERS, so no
// provider is ever downloaded. It serves testProvider, the real provider plus the
// test-only data source below.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"ossmigrate": providerserver.NewProtocol6WithError(&testProvider{OssmigrateProvider: &OssmigrateProvider{version: "test"}}),
}

// terraformLookupErr is set by TestMain when no Terraform CLI was found; testAccPreCheck
// turns it into a test failure.
var terraformLookupErr error

// TestMain points terraform-plugin-testing at the Terraform CLI on PATH. Without
// TF_ACC_TERRAFORM_PATH the framework looks on PATH and, when that fails, downloads the
// latest release from checkpoint.hashicorp.com; with it, the framework uses that exact
// binary or fails (internal/plugintest.DiscoverConfig). An explicit
// TF_ACC_TERRAFORM_PATH or TF_ACC_TERRAFORM_VERSION from the caller is left alone.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" && os.Getenv("TF_ACC_TERRAFORM_VERSION") == "" {
		terraformLookupErr = useTerraformFromPath()
	}
	m.Run()
}

func useTerraformFromPath() error {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return fmt.Errorf("terraform CLI not found: install Terraform >= 1.5 and put it on PATH, or set TF_ACC_TERRAFORM_PATH: %w", err)
	}
	tf, err = filepath.Abs(tf) // the framework requires an absolute path
	if err != nil {
		return fmt.Errorf("terraform CLI path: %w", err)
	}
	return os.Setenv("TF_ACC_TERRAFORM_PATH", tf)
}

// testAccPreCheck fails the test before the framework looks for (and could download)
// Terraform when TestMain found none. Every resource.Test / resource.UnitTest uses it.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if terraformLookupErr != nil {
		t.Fatal(terraformLookupErr)
	}
}

// testProvider is the provider plus the ossmigrate_test_provider_config data source.
// Terraform neither validates nor configures a provider that no resource or data source
// uses, so a test of the provider block alone needs something that uses it.
type testProvider struct {
	*OssmigrateProvider
}

var _ provider.Provider = (*testProvider)(nil)

func (p *testProvider) DataSources(ctx context.Context) []func() datasource.DataSource {
	return append(p.OssmigrateProvider.DataSources(ctx), func() datasource.DataSource {
		return &providerConfigDataSource{}
	})
}

// providerConfigDataSource exposes the non-secret part of providerData to tests.
type providerConfigDataSource struct {
	data *providerData
}

var _ datasource.DataSourceWithConfigure = (*providerConfigDataSource)(nil)

func (d *providerConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_test_provider_config"
}

func (d *providerConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Test only: the provider configuration as resolved by Configure, without secrets.",
		Attributes: map[string]schema.Attribute{
			"region":              schema.StringAttribute{Computed: true, MarkdownDescription: "Resolved region."},
			"endpoint":            schema.StringAttribute{Computed: true, MarkdownDescription: "Configured endpoint."},
			"sign_version":        schema.StringAttribute{Computed: true, MarkdownDescription: "Resolved sign version."},
			"default_credentials": schema.StringAttribute{Computed: true, MarkdownDescription: "Source of the default credential set."},
			"credential_sets": schema.ListAttribute{
				Computed: true, ElementType: types.StringType, MarkdownDescription: "Credential set names, sorted.",
			},
		},
	}
}

func (d *providerConfigDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.", req.ProviderData))
		return
	}
	d.data = data
}

func (d *providerConfigDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "The provider was not configured before the read.")
		return
	}
	names, diags := types.ListValueFrom(ctx, types.StringType, d.data.credentialNames())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, providerConfigModel{
		Region:             types.StringValue(d.data.region),
		Endpoint:           types.StringValue(d.data.endpoint),
		SignVersion:        types.StringValue(string(d.data.signVersion)),
		DefaultCredentials: types.StringValue(string(d.data.defaultSource)),
		CredentialSets:     names,
	})...)
}

type providerConfigModel struct {
	Region             types.String `tfsdk:"region"`
	Endpoint           types.String `tfsdk:"endpoint"`
	SignVersion        types.String `tfsdk:"sign_version"`
	DefaultCredentials types.String `tfsdk:"default_credentials"`
	CredentialSets     types.List   `tfsdk:"credential_sets"`
}
