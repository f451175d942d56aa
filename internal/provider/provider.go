// Package provider is Terraform's view of ossmigrate: the provider configuration and
// credentials, and (later) the ossmigrate_job resource and the ossmigrate_report data
// source. It maps HCL to engine types and engine errors to diagnostics; the migration
// itself lives in internal/engine.
package provider

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Environment variables read when the provider block leaves an argument unset. The
// ALIBABA_CLOUD_* names are those of the Alibaba Cloud SDKs and CLI; the ALICLOUD_* names
// are those of terraform-provider-alicloud, so one shell setup serves both providers.
const (
	envAlibabaCloudAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	envAlibabaCloudAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	envAlibabaCloudSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	envAlicloudAccessKey           = "ALICLOUD_ACCESS_KEY"
	envAlicloudSecretKey           = "ALICLOUD_SECRET_KEY"
	envAlicloudSecurityToken       = "ALICLOUD_SECURITY_TOKEN"
	envAlicloudRegion              = "ALICLOUD_REGION"
)

// defaultCredentialsName is the key of the provider's own credential set in
// providerData.credentials. A job that names no credential set uses it, so no
// credentials block may take this name.
const defaultCredentialsName = "default"

// signVersion is the OSS request signature algorithm.
type signVersion string

const (
	signV4 signVersion = "v4"
	signV1 signVersion = "v1"
)

// signVersions lists the accepted sign_version values, default first. It feeds both the
// validator and the attribute's documentation.
var signVersions = []signVersion{signV4, signV1}

// credentialSource tells where the default credential set came from. It is logged and
// shown in errors; it never contains a secret.
type credentialSource string

const (
	credentialsFromConfig       credentialSource = "provider configuration"
	credentialsFromAlibabaCloud credentialSource = "ALIBABA_CLOUD_* environment variables"
	credentialsFromAlicloud     credentialSource = "ALICLOUD_* environment variables"
	credentialsFromNowhere      credentialSource = "none"
)

var (
	_ provider.Provider = (*OssmigrateProvider)(nil)
)

// New returns a constructor of the ossmigrate provider for providerserver.Serve and for
// tests. version is the release version, or "dev" / "test".
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &OssmigrateProvider{version: version}
	}
}

// OssmigrateProvider is the ossmigrate provider. Its configuration is turned into a
// providerData value that resources and data sources receive in their Configure.
type OssmigrateProvider struct {
	version string
}

// Metadata returns the provider type name, the prefix of every resource type.
func (p *OssmigrateProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ossmigrate"
	resp.Version = p.version
}

// Schema describes the provider block.
func (p *OssmigrateProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Declares migrations between Alibaba Cloud OSS buckets. The provider " +
			"block holds the location defaults and every secret; jobs refer to credential sets by " +
			"name, so keys never appear in a job, its plan or its state.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				MarkdownDescription: "Region used by a job's `source` or `destination` that names none, " +
					"for example `cn-hangzhou`. When unset, the `" + envAlicloudRegion + "` environment " +
					"variable is used.",
				Optional:   true,
				Validators: []validator.String{regionCheck},
			},
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "OSS endpoint used instead of the one derived from the region, for " +
					"example `https://oss-cn-hangzhou-internal.aliyuncs.com` to keep traffic inside a VPC, or " +
					"the URL of an OSS-compatible server. A job's own `endpoint` takes precedence. Plain `http://` is " +
					"accepted only for loopback addresses (an emulator on this machine).",
				Optional:   true,
				Validators: []validator.String{endpointCheck},
			},
			"access_key": schema.StringAttribute{
				MarkdownDescription: "AccessKey ID of the default credential set, used by jobs that name no " +
					"`credentials`. Requires `secret_key`. When neither is set, the provider reads `" +
					envAlibabaCloudAccessKeyID + "` / `" + envAlibabaCloudAccessKeySecret + "` / `" +
					envAlibabaCloudSecurityToken + "`, then `" + envAlicloudAccessKey + "` / `" +
					envAlicloudSecretKey + "` / `" + envAlicloudSecurityToken + "`. Prefer the environment " +
					"or a sensitive variable to a literal.",
				Optional:  true,
				Sensitive: true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("secret_key")),
				},
			},
			"secret_key": schema.StringAttribute{
				MarkdownDescription: "AccessKey secret of the default credential set. Requires `access_key`.",
				Optional:            true,
				Sensitive:           true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("access_key")),
				},
			},
			"security_token": schema.StringAttribute{
				MarkdownDescription: "STS security token of the default credential set, when `access_key` " +
					"and `secret_key` are temporary STS credentials.",
				Optional:  true,
				Sensitive: true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("access_key"), path.MatchRoot("secret_key")),
				},
			},
			"sign_version": schema.StringAttribute{
				MarkdownDescription: "OSS request signature version: " + markdownList(signVersions) +
					". Defaults to `" + string(signV4) + "`. Use `" + string(signV1) + "` only for endpoints " +
					"that do not accept V4 signatures.",
				Optional: true,
				Validators: []validator.String{
					stringvalidator.OneOf(stringList(signVersions)...),
				},
			},
		},
		Blocks: map[string]schema.Block{
			"credentials": schema.ListNestedBlock{
				MarkdownDescription: "A named credential set for another Alibaba Cloud account, for example " +
					"the account that owns the source bucket. A job selects it with `credentials = \"<name>\"` " +
					"in its `source` or `destination` block. Repeat the block for more accounts.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "Name that jobs use to select this credential set. Must be unique " +
								"among the `credentials` blocks; `" + defaultCredentialsName + "` is reserved for the " +
								"provider's own credentials.",
							Required: true,
							Validators: []validator.String{
								stringvalidator.LengthAtLeast(1),
								stringvalidator.NoneOf(defaultCredentialsName),
							},
						},
						"access_key": schema.StringAttribute{
							MarkdownDescription: "AccessKey ID of this account. When neither `access_key` nor `secret_key` " +
								"is set, they are read from `" + envAlibabaCloudAccessKeyID + "_<NAME>`, `" +
								envAlibabaCloudAccessKeySecret + "_<NAME>` and `" + envAlibabaCloudSecurityToken + "_<NAME>`, " +
								"where `<NAME>` is the block's name in upper case with other characters than letters and digits " +
								"replaced by `_` (`bob-prod` reads `" + envAlibabaCloudAccessKeyID + "_BOB_PROD`). The environment " +
								"keeps keys out of the configuration: Terraform writes literal arguments and variable values into plan files.",
							Optional:  true,
							Sensitive: true,
							Validators: []validator.String{
								stringvalidator.AlsoRequires(path.MatchRelative().AtParent().AtName("secret_key")),
							},
						},
						"secret_key": schema.StringAttribute{
							MarkdownDescription: "AccessKey secret of this account (see `access_key` for the environment variables).",
							Optional:            true,
							Sensitive:           true,
							Validators: []validator.String{
								stringvalidator.AlsoRequires(path.MatchRelative().AtParent().AtName("access_key")),
							},
						},
						"security_token": schema.StringAttribute{
							MarkdownDescription: "STS security token, when `access_key` and `secret_key` are " +
								"temporary STS credentials.",
							Optional:  true,
							Sensitive: true,
						},
					},
				},
			},
		},
	}
}

// Configure resolves the provider configuration and the environment into a providerData
// and hands it to resources and data sources. Missing credentials are not an error here:
// the resource that needs them reports it, naming the credential set.
func (p *OssmigrateProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	data, diags := newProviderData(ctx, cfg, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	tflog.Debug(ctx, "Configured ossmigrate provider", map[string]any{
		"region":              data.region,
		"endpoint":            data.endpoint,
		"sign_version":        string(data.signVersion),
		"default_credentials": string(data.defaultSource),
		"credential_sets":     data.credentialNames(),
		"config_unknown":      data.configUnknown,
	})

	resp.ResourceData = data
	resp.DataSourceData = data
}

// Resources returns the provider's resource types.
func (p *OssmigrateProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewJobResource}
}

// DataSources returns the provider's data source types.
func (p *OssmigrateProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewReportDataSource}
}

// providerData is what resources and data sources receive from Configure. It holds
// secrets: never log it or put it in a diagnostic; credentialSet hides them when printed.
type providerData struct {
	region      string
	endpoint    string
	signVersion signVersion

	// credentials maps a credential set name to its keys. The provider's own set is
	// under defaultCredentialsName, possibly empty when nothing was configured.
	credentials map[string]credentialSet

	// defaultSource says where the default set came from.
	defaultSource credentialSource

	// configUnknown is true when some argument was unknown at Configure (it depends on a
	// resource not created yet). Resources must then plan without contacting storage.
	configUnknown bool
}

// String describes the provider data without any secret, so that printing it by mistake
// (%v, %+v) leaks nothing: fmt does not call credentialSet.String for unexported fields.
func (d *providerData) String() string {
	return fmt.Sprintf("providerData{region:%q endpoint:%q sign_version:%q default_credentials:%q credential_sets:%v config_unknown:%t}",
		d.region, d.endpoint, d.signVersion, d.defaultSource, d.credentialNames(), d.configUnknown)
}

// GoString is String, so that %#v hides the secrets too.
func (d *providerData) GoString() string {
	return d.String()
}

// credentialNames returns the declared credential set names, sorted.
func (d *providerData) credentialNames() []string {
	names := make([]string, 0, len(d.credentials))
	for name := range d.credentials {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// credentialSetByName returns the credential set a job selects with name; "" selects the
// provider's own. The error says what to configure; it never contains a secret.
func (d *providerData) credentialSetByName(name string) (credentialSet, error) {
	if name == "" {
		name = defaultCredentialsName
	}
	set, ok := d.credentials[name]
	if !ok {
		return credentialSet{}, fmt.Errorf("no credentials block named %q is declared in the provider configuration (declared: %s)",
			name, strings.Join(d.credentialNames(), ", "))
	}
	if set.complete() {
		return set, nil
	}
	if name != defaultCredentialsName {
		suffix := envSuffix(name)
		return credentialSet{}, fmt.Errorf("credentials %q have no complete key pair: set both access_key and secret_key in its block, "+
			"or leave both unset there and set the %s_%s and %s_%s environment variables",
			name, envAlibabaCloudAccessKeyID, suffix, envAlibabaCloudAccessKeySecret, suffix)
	}
	if d.defaultSource == credentialsFromNowhere {
		return credentialSet{}, fmt.Errorf("no credentials configured: set access_key and secret_key in the provider block, "+
			"or the %s and %s environment variables", envAlibabaCloudAccessKeyID, envAlibabaCloudAccessKeySecret)
	}
	return credentialSet{}, fmt.Errorf("incomplete credentials from %s: both the AccessKey ID and the AccessKey secret are needed",
		d.defaultSource)
}

// newProviderData builds the provider data from the configuration, reading the
// environment through getenv for arguments the configuration leaves unset.
func newProviderData(ctx context.Context, cfg providerModel, getenv func(string) string) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics

	data := &providerData{
		region:      firstNonEmpty(cfg.Region.ValueString(), getenv(envAlicloudRegion)),
		endpoint:    cfg.Endpoint.ValueString(),
		signVersion: signV4,
		credentials: map[string]credentialSet{},
		configUnknown: cfg.Region.IsUnknown() || cfg.Endpoint.IsUnknown() || cfg.AccessKey.IsUnknown() ||
			cfg.SecretKey.IsUnknown() || cfg.SecurityToken.IsUnknown() || cfg.SignVersion.IsUnknown() ||
			cfg.Credentials.IsUnknown(),
	}
	if v := cfg.SignVersion.ValueString(); v != "" {
		data.signVersion = signVersion(v)
	}
	// The region argument has its validator; the environment's is checked here.
	if cfg.Region.ValueString() == "" && data.region != "" {
		if err := regionCheck.check(data.region); err != nil {
			diags.AddError("Invalid "+envAlicloudRegion, envAlicloudRegion+": "+err.Error())
			return nil, diags
		}
	}

	defaultSet, source := resolveDefaultCredentials(credentialSet{
		accessKeyID:     cfg.AccessKey.ValueString(),
		accessKeySecret: cfg.SecretKey.ValueString(),
		securityToken:   cfg.SecurityToken.ValueString(),
	}, getenv)
	data.credentials[defaultCredentialsName] = defaultSet
	data.defaultSource = source

	if cfg.Credentials.IsNull() || cfg.Credentials.IsUnknown() {
		return data, diags
	}
	var blocks []credentialsModel
	diags.Append(cfg.Credentials.ElementsAs(ctx, &blocks, false)...)
	if diags.HasError() {
		return nil, diags
	}

	firstIndex := map[string]int{}
	bySuffix := map[string]string{} // envSuffix(name) -> name, for blocks whose keys come from the environment
	for i, block := range blocks {
		if block.Name.IsUnknown() {
			data.configUnknown = true
			continue
		}
		name := block.Name.ValueString()
		namePath := path.Root("credentials").AtListIndex(i).AtName("name")
		if name == defaultCredentialsName {
			diags.AddAttributeError(namePath, "Reserved Credentials Name",
				fmt.Sprintf("The name %q is reserved for the provider's own credentials (access_key, secret_key "+
					"or the environment). Give this credentials block another name.", name))
			continue
		}
		if j, dup := firstIndex[name]; dup {
			diags.AddAttributeError(namePath, "Duplicate Credentials Name",
				fmt.Sprintf("Credentials blocks %d and %d are both named %q. Jobs select a credential set by name, "+
					"so each credentials block needs a unique name.", j+1, i+1, name))
			continue
		}
		firstIndex[name] = i
		if block.AccessKey.IsUnknown() || block.SecretKey.IsUnknown() || block.SecurityToken.IsUnknown() {
			data.configUnknown = true
		}
		set := credentialSet{
			accessKeyID:     block.AccessKey.ValueString(),
			accessKeySecret: block.SecretKey.ValueString(),
			securityToken:   block.SecurityToken.ValueString(),
		}
		if set.empty() {
			suffix := envSuffix(name)
			if other, clash := bySuffix[suffix]; clash {
				diags.AddAttributeError(namePath, "Credentials Names Share Environment Variables",
					fmt.Sprintf("Credentials blocks %q and %q both take their keys from the %s_%s variables (names are upper-cased "+
						"and every character but letters and digits becomes '_'). Rename one of them, or set its keys in the block.",
						other, name, envAlibabaCloudAccessKeyID, suffix))
				continue
			}
			bySuffix[suffix] = name
			set = credentialSet{
				accessKeyID:     getenv(envAlibabaCloudAccessKeyID + "_" + suffix),
				accessKeySecret: getenv(envAlibabaCloudAccessKeySecret + "_" + suffix),
				securityToken:   firstNonEmpty(set.securityToken, getenv(envAlibabaCloudSecurityToken+"_"+suffix)),
			}
		}
		data.credentials[name] = set
	}
	if diags.HasError() {
		return nil, diags
	}
	return data, diags
}

// envSuffix turns a credentials block name into the suffix of its
// environment variables: upper case, anything but letters and digits as '_'.
func envSuffix(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// resolveDefaultCredentials picks the provider's own credential set from the first source
// that has an AccessKey ID or secret: the provider configuration, then the ALIBABA_CLOUD_*
// environment variables, then the ALICLOUD_* ones. A set is taken whole from one source,
// so a security token from the environment is never paired with keys from elsewhere.
// An empty set with credentialsFromNowhere is returned when no source has keys.
func resolveDefaultCredentials(cfg credentialSet, getenv func(string) string) (credentialSet, credentialSource) {
	if !cfg.empty() {
		return cfg, credentialsFromConfig
	}
	alibabaCloud := credentialSet{
		accessKeyID:     getenv(envAlibabaCloudAccessKeyID),
		accessKeySecret: getenv(envAlibabaCloudAccessKeySecret),
		securityToken:   getenv(envAlibabaCloudSecurityToken),
	}
	if !alibabaCloud.empty() {
		return alibabaCloud, credentialsFromAlibabaCloud
	}
	alicloud := credentialSet{
		accessKeyID:     getenv(envAlicloudAccessKey),
		accessKeySecret: getenv(envAlicloudSecretKey),
		securityToken:   getenv(envAlicloudSecurityToken),
	}
	if !alicloud.empty() {
		return alicloud, credentialsFromAlicloud
	}
	return credentialSet{}, credentialsFromNowhere
}

// credentialSet is one account's keys. Its String and GoString methods hide the values,
// so a set printed by mistake (%v, %+v, %#v) leaks nothing.
type credentialSet struct {
	accessKeyID     string
	accessKeySecret string
	securityToken   string
}

// empty reports whether neither key is set; a lone security token does not count.
func (c credentialSet) empty() bool {
	return c.accessKeyID == "" && c.accessKeySecret == ""
}

// complete reports whether both keys are set.
func (c credentialSet) complete() bool {
	return c.accessKeyID != "" && c.accessKeySecret != ""
}

// String describes which fields are set without showing any of them.
func (c credentialSet) String() string {
	return fmt.Sprintf("credentialSet{access_key:%s secret_key:%s security_token:%s}",
		setOrUnset(c.accessKeyID), setOrUnset(c.accessKeySecret), setOrUnset(c.securityToken))
}

// GoString is String, so that %#v hides the secrets too.
func (c credentialSet) GoString() string {
	return c.String()
}

func setOrUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return "set"
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// stringList converts a typed enum list for validators.
func stringList[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// markdownList renders enum values as "`a`, `b`" for descriptions.
func markdownList[T ~string](values []T) string {
	quoted := stringList(values)
	for i, v := range quoted {
		quoted[i] = "`" + v + "`"
	}
	return strings.Join(quoted, ", ")
}

// providerModel is the provider block.
type providerModel struct {
	Region        types.String `tfsdk:"region"`
	Endpoint      types.String `tfsdk:"endpoint"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	SecurityToken types.String `tfsdk:"security_token"`
	SignVersion   types.String `tfsdk:"sign_version"`
	Credentials   types.List   `tfsdk:"credentials"`
}

// credentialsModel is one credentials block.
type credentialsModel struct {
	Name          types.String `tfsdk:"name"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	SecurityToken types.String `tfsdk:"security_token"`
}
