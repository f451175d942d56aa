package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// clearProviderEnv unsets, for one test, every environment variable the provider reads;
// the provider runs inside the test process, so it sees the test's environment.
func clearProviderEnv(t *testing.T) {
	t.Helper()
	for _, key := range []string{
		envAlibabaCloudAccessKeyID, envAlibabaCloudAccessKeySecret, envAlibabaCloudSecurityToken,
		envAlicloudAccessKey, envAlicloudSecretKey, envAlicloudSecurityToken, envAlicloudRegion,
	} {
		t.Setenv(key, "")
	}
}

// testAccProviderConfigOutputs makes Terraform configure the provider and exposes what
// Configure resolved as outputs.
const testAccProviderConfigOutputs = `
data "ossmigrate_test_provider_config" "this" {}

output "region" {
  value = data.ossmigrate_test_provider_config.this.region
}

output "sign_version" {
  value = data.ossmigrate_test_provider_config.this.sign_version
}

output "default_credentials" {
  value = data.ossmigrate_test_provider_config.this.default_credentials
}

output "credential_sets" {
  value = data.ossmigrate_test_provider_config.this.credential_sets
}
`

func TestAccProvider_emptyConfig(t *testing.T) {
	clearProviderEnv(t)
	t.Setenv(envAlicloudRegion, "cn-beijing")
	t.Setenv(envAlibabaCloudAccessKeyID, "test-access-key")
	t.Setenv(envAlibabaCloudAccessKeySecret, "test-secret-key")

	resource.UnitTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `provider "ossmigrate" {}` + testAccProviderConfigOutputs,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("region", knownvalue.StringExact("cn-beijing")),
					statecheck.ExpectKnownOutputValue("sign_version", knownvalue.StringExact("v4")),
					statecheck.ExpectKnownOutputValue("default_credentials", knownvalue.StringExact(string(credentialsFromAlibabaCloud))),
					statecheck.ExpectKnownOutputValue("credential_sets", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("default"),
					})),
				},
			},
		},
	})
}

func TestAccProvider_noCredentials(t *testing.T) {
	clearProviderEnv(t)

	resource.UnitTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `provider "ossmigrate" {}` + testAccProviderConfigOutputs,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("default_credentials", knownvalue.StringExact(string(credentialsFromNowhere))),
				},
			},
		},
	})
}

func TestAccProvider_fullConfig(t *testing.T) {
	clearProviderEnv(t)
	t.Setenv(envAlicloudRegion, "cn-beijing")

	resource.UnitTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
variable "other_access_key" {
  type      = string
  default   = "test-access-key-2"
  sensitive = true
}

variable "other_secret_key" {
  type      = string
  default   = "test-secret-key-2"
  sensitive = true
}

provider "ossmigrate" {
  region       = "cn-hangzhou"
  endpoint     = "http://127.0.0.1:9"
  access_key   = "test-access-key"
  secret_key   = "test-secret-key"
  sign_version = "v1"

  credentials {
    name       = "other"
    access_key = var.other_access_key
    secret_key = var.other_secret_key
  }
}
` + testAccProviderConfigOutputs,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("region", knownvalue.StringExact("cn-hangzhou")),
					statecheck.ExpectKnownOutputValue("sign_version", knownvalue.StringExact("v1")),
					statecheck.ExpectKnownOutputValue("default_credentials", knownvalue.StringExact(string(credentialsFromConfig))),
					statecheck.ExpectKnownOutputValue("credential_sets", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("default"),
						knownvalue.StringExact("other"),
					})),
				},
			},
		},
	})
}

func TestAccProvider_invalidSignVersion(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "ossmigrate" {
  sign_version = "v3"
}
` + testAccProviderConfigOutputs,
				ExpectError: regexp.MustCompile(`Attribute sign_version value must be one of`),
			},
		},
	})
}

// A misspelt provider region is refused on the provider's own attribute
// (at validate), not later against every job that inherits it.
func TestAccProvider_unknownRegion(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "ossmigrate" {
  region = "cn-hangzou"
}
` + testAccProviderConfigOutputs,
				ExpectError: regexp.MustCompile(`(?s)Invalid OSS region.*line 13, in provider.*region: "cn-hangzou" is not a known OSS region ID; use one of`),
			},
		},
	})
}

func TestAccProvider_duplicateCredentialsName(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "ossmigrate" {
  credentials {
    name       = "other"
    access_key = "a"
    secret_key = "b"
  }
  credentials {
    name       = "other"
    access_key = "c"
    secret_key = "d"
  }
}
` + testAccProviderConfigOutputs,
				ExpectError: regexp.MustCompile(`Duplicate Credentials Name`),
			},
		},
	})
}

func TestResolveDefaultCredentials(t *testing.T) {
	full := credentialSet{accessKeyID: "cfg-id", accessKeySecret: "cfg-secret", securityToken: "cfg-token"}

	tests := []struct {
		name       string
		cfg        credentialSet
		env        map[string]string
		want       credentialSet
		wantSource credentialSource
	}{
		{
			name:       "nothing set",
			wantSource: credentialsFromNowhere,
		},
		{
			name: "configuration wins over environment",
			cfg:  full,
			env: map[string]string{
				envAlibabaCloudAccessKeyID:     "env-id",
				envAlibabaCloudAccessKeySecret: "env-secret",
				envAlicloudAccessKey:           "ali-id",
				envAlicloudSecretKey:           "ali-secret",
			},
			want:       full,
			wantSource: credentialsFromConfig,
		},
		{
			name: "configuration keys are never paired with an environment token",
			cfg:  credentialSet{accessKeyID: "cfg-id", accessKeySecret: "cfg-secret"},
			env: map[string]string{
				envAlibabaCloudSecurityToken: "env-token",
			},
			want:       credentialSet{accessKeyID: "cfg-id", accessKeySecret: "cfg-secret"},
			wantSource: credentialsFromConfig,
		},
		{
			name: "ALIBABA_CLOUD variables",
			env: map[string]string{
				envAlibabaCloudAccessKeyID:     "env-id",
				envAlibabaCloudAccessKeySecret: "env-secret",
				envAlibabaCloudSecurityToken:   "env-token",
			},
			want:       credentialSet{accessKeyID: "env-id", accessKeySecret: "env-secret", securityToken: "env-token"},
			wantSource: credentialsFromAlibabaCloud,
		},
		{
			name: "ALIBABA_CLOUD variables win over ALICLOUD ones",
			env: map[string]string{
				envAlibabaCloudAccessKeyID:     "env-id",
				envAlibabaCloudAccessKeySecret: "env-secret",
				envAlicloudAccessKey:           "ali-id",
				envAlicloudSecretKey:           "ali-secret",
				envAlicloudSecurityToken:       "ali-token",
			},
			want:       credentialSet{accessKeyID: "env-id", accessKeySecret: "env-secret"},
			wantSource: credentialsFromAlibabaCloud,
		},
		{
			name: "incomplete ALIBABA_CLOUD set is taken as is, not completed from ALICLOUD",
			env: map[string]string{
				envAlibabaCloudAccessKeyID: "env-id",
				envAlicloudAccessKey:       "ali-id",
				envAlicloudSecretKey:       "ali-secret",
			},
			want:       credentialSet{accessKeyID: "env-id"},
			wantSource: credentialsFromAlibabaCloud,
		},
		{
			name: "ALICLOUD variables",
			env: map[string]string{
				envAlicloudAccessKey:     "ali-id",
				envAlicloudSecretKey:     "ali-secret",
				envAlicloudSecurityToken: "ali-token",
			},
			want:       credentialSet{accessKeyID: "ali-id", accessKeySecret: "ali-secret", securityToken: "ali-token"},
			wantSource: credentialsFromAlicloud,
		},
		{
			name: "a lone security token is no credential set",
			env: map[string]string{
				envAlibabaCloudSecurityToken: "env-token",
				envAlicloudAccessKey:         "ali-id",
				envAlicloudSecretKey:         "ali-secret",
			},
			want:       credentialSet{accessKeyID: "ali-id", accessKeySecret: "ali-secret"},
			wantSource: credentialsFromAlicloud,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, source := resolveDefaultCredentials(tt.cfg, mapEnv(tt.env))
			if got != tt.want {
				// Test values are fake, so printing the fields is fine here.
				t.Errorf("credentials = %q/%q/%q, want %q/%q/%q",
					got.accessKeyID, got.accessKeySecret, got.securityToken,
					tt.want.accessKeyID, tt.want.accessKeySecret, tt.want.securityToken)
			}
			if source != tt.wantSource {
				t.Errorf("source = %q, want %q", source, tt.wantSource)
			}
		})
	}
}

func TestNewProviderData(t *testing.T) {
	ctx := context.Background()

	t.Run("defaults and environment", func(t *testing.T) {
		env := mapEnv(map[string]string{
			envAlicloudRegion:    "cn-shanghai",
			envAlicloudAccessKey: "ali-id",
			envAlicloudSecretKey: "ali-secret",
		})
		data, diags := newProviderData(ctx, nullProviderModel(), env)
		if diags.HasError() {
			t.Fatalf("unexpected diagnostics: %v", diags)
		}
		if data.region != "cn-shanghai" {
			t.Errorf("region = %q, want cn-shanghai", data.region)
		}
		if data.signVersion != signV4 {
			t.Errorf("signVersion = %q, want %q", data.signVersion, signV4)
		}
		if data.defaultSource != credentialsFromAlicloud {
			t.Errorf("defaultSource = %q, want %q", data.defaultSource, credentialsFromAlicloud)
		}
		if data.configUnknown {
			t.Error("configUnknown = true, want false")
		}
		if got := data.credentialNames(); !slices.Equal(got, []string{defaultCredentialsName}) {
			t.Errorf("credential names = %v, want [default]", got)
		}
	})

	t.Run("configuration and named sets", func(t *testing.T) {
		cfg := nullProviderModel()
		cfg.Region = types.StringValue("cn-hangzhou")
		cfg.Endpoint = types.StringValue("http://127.0.0.1:9000")
		cfg.SignVersion = types.StringValue("v1")
		cfg.Credentials = credentialsList(t,
			credentialsModel{Name: types.StringValue("src"), AccessKey: types.StringValue("a"), SecretKey: types.StringValue("b"), SecurityToken: types.StringNull()},
			credentialsModel{Name: types.StringValue("dst"), AccessKey: types.StringValue("c"), SecretKey: types.StringValue("d"), SecurityToken: types.StringValue("e")},
		)
		data, diags := newProviderData(ctx, cfg, mapEnv(map[string]string{envAlicloudRegion: "cn-shanghai"}))
		if diags.HasError() {
			t.Fatalf("unexpected diagnostics: %v", diags)
		}
		if data.region != "cn-hangzhou" || data.endpoint != "http://127.0.0.1:9000" || data.signVersion != signV1 {
			t.Errorf("region/endpoint/signVersion = %q/%q/%q", data.region, data.endpoint, data.signVersion)
		}
		if got := data.credentialNames(); !slices.Equal(got, []string{"default", "dst", "src"}) {
			t.Errorf("credential names = %v, want [default dst src]", got)
		}
		if got := data.credentials["dst"]; got != (credentialSet{accessKeyID: "c", accessKeySecret: "d", securityToken: "e"}) {
			t.Errorf("dst credentials not as configured: %v", got)
		}
	})

	t.Run("duplicate and reserved names", func(t *testing.T) {
		cfg := nullProviderModel()
		cfg.Credentials = credentialsList(t,
			credentialsModel{Name: types.StringValue("src"), AccessKey: types.StringValue("a"), SecretKey: types.StringValue("b"), SecurityToken: types.StringNull()},
			credentialsModel{Name: types.StringValue("default"), AccessKey: types.StringValue("a"), SecretKey: types.StringValue("b"), SecurityToken: types.StringNull()},
			credentialsModel{Name: types.StringValue("src"), AccessKey: types.StringValue("c"), SecretKey: types.StringValue("d"), SecurityToken: types.StringNull()},
		)
		_, diags := newProviderData(ctx, cfg, mapEnv(nil))
		if got := diags.ErrorsCount(); got != 2 {
			t.Fatalf("got %d errors, want 2: %v", got, diags)
		}
		wantPaths := []path.Path{
			path.Root("credentials").AtListIndex(1).AtName("name"),
			path.Root("credentials").AtListIndex(2).AtName("name"),
		}
		for i, d := range diags.Errors() {
			withPath, ok := d.(interface{ Path() path.Path })
			if !ok {
				t.Fatalf("error %d has no attribute path: %v", i, d)
			}
			if !withPath.Path().Equal(wantPaths[i]) {
				t.Errorf("error %d path = %s, want %s", i, withPath.Path(), wantPaths[i])
			}
		}
		if got := diags.Errors()[1].Summary(); got != "Duplicate Credentials Name" {
			t.Errorf("summary = %q, want Duplicate Credentials Name", got)
		}
	})

	t.Run("unknown region from the environment", func(t *testing.T) {
		_, diags := newProviderData(ctx, nullProviderModel(), mapEnv(map[string]string{envAlicloudRegion: "cn-nowhere"}))
		if diags.ErrorsCount() != 1 || !strings.Contains(diags.Errors()[0].Detail(), `ALICLOUD_REGION: "cn-nowhere" is not a known OSS region ID`) {
			t.Fatalf("diagnostics %v, want one naming ALICLOUD_REGION and its value", diags)
		}
	})

	t.Run("names that share environment variables", func(t *testing.T) {
		cfg := nullProviderModel()
		cfg.Credentials = credentialsList(t,
			credentialsModel{Name: types.StringValue("a-b"), AccessKey: types.StringNull(), SecretKey: types.StringNull(), SecurityToken: types.StringNull()},
			credentialsModel{Name: types.StringValue("a_b"), AccessKey: types.StringNull(), SecretKey: types.StringNull(), SecurityToken: types.StringNull()},
		)
		_, diags := newProviderData(ctx, cfg, mapEnv(nil))
		if got := diags.ErrorsCount(); got != 1 {
			t.Fatalf("got %d errors, want 1: %v", got, diags)
		}
		d := diags.Errors()[0]
		if !strings.Contains(d.Detail(), `"a-b" and "a_b"`) || !strings.Contains(d.Detail(), "ALIBABA_CLOUD_ACCESS_KEY_ID_A_B") {
			t.Errorf("detail = %q, want both names and the variable", d.Detail())
		}
		if withPath, ok := d.(interface{ Path() path.Path }); !ok || !withPath.Path().Equal(path.Root("credentials").AtListIndex(1).AtName("name")) {
			t.Errorf("error %v is not on the second block's name", d)
		}
	})

	t.Run("names that would share environment variables, keys in the blocks", func(t *testing.T) {
		cfg := nullProviderModel()
		cfg.Credentials = credentialsList(t,
			credentialsModel{Name: types.StringValue("a-b"), AccessKey: types.StringValue("a"), SecretKey: types.StringValue("b"), SecurityToken: types.StringNull()},
			credentialsModel{Name: types.StringValue("a_b"), AccessKey: types.StringNull(), SecretKey: types.StringNull(), SecurityToken: types.StringNull()},
		)
		data, diags := newProviderData(ctx, cfg, mapEnv(map[string]string{envAlibabaCloudAccessKeyID + "_A_B": "c", envAlibabaCloudAccessKeySecret + "_A_B": "d"}))
		if diags.HasError() {
			t.Fatalf("only one block reads the environment: %v", diags)
		}
		if data.credentials["a-b"].accessKeyID != "a" || data.credentials["a_b"].accessKeyID != "c" {
			t.Errorf("credentials %v", data.credentialNames())
		}
	})

	t.Run("unknown configuration", func(t *testing.T) {
		cfg := nullProviderModel()
		cfg.AccessKey = types.StringUnknown()
		cfg.SecretKey = types.StringUnknown()
		data, diags := newProviderData(ctx, cfg, mapEnv(nil))
		if diags.HasError() {
			t.Fatalf("unexpected diagnostics: %v", diags)
		}
		if !data.configUnknown {
			t.Error("configUnknown = false, want true")
		}
	})
}

func TestCredentialSetByName(t *testing.T) {
	data := &providerData{
		credentials: map[string]credentialSet{
			defaultCredentialsName: {},
			"src":                  {accessKeyID: "a", accessKeySecret: "b"},
		},
		defaultSource: credentialsFromNowhere,
	}

	if got, err := data.credentialSetByName("src"); err != nil || got.accessKeyID != "a" {
		t.Errorf(`credentialSetByName("src") = %v, %v`, got, err)
	}
	_, err := data.credentialSetByName("")
	if err == nil || !strings.Contains(err.Error(), envAlibabaCloudAccessKeyID) {
		t.Errorf(`credentialSetByName("") error = %v, want a hint at %s`, err, envAlibabaCloudAccessKeyID)
	}
	_, err = data.credentialSetByName("missing")
	if err == nil || !strings.Contains(err.Error(), `"missing"`) || !strings.Contains(err.Error(), "src") {
		t.Errorf(`credentialSetByName("missing") error = %v, want the name and the declared sets`, err)
	}
	data.credentials["other-account"] = credentialSet{accessKeyID: "only the ID"}
	_, err = data.credentialSetByName("other-account")
	if err == nil || !strings.Contains(err.Error(), "ALIBABA_CLOUD_ACCESS_KEY_ID_OTHER_ACCOUNT and ALIBABA_CLOUD_ACCESS_KEY_SECRET_OTHER_ACCOUNT") {
		t.Errorf(`credentialSetByName("other-account") error = %v, want the environment variables it reads`, err)
	}
	if !strings.Contains(err.Error(), "leave both unset there") {
		t.Errorf("error %v does not say the variables are read only when the block has no keys", err)
	}
}

func TestCredentialSetHidesSecrets(t *testing.T) {
	set := credentialSet{accessKeyID: "AKID-VISIBLE", accessKeySecret: "SECRET-VISIBLE", securityToken: "TOKEN-VISIBLE"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, set) + fmt.Sprintf(format, &providerData{credentials: map[string]credentialSet{"x": set}})
		if strings.Contains(out, "VISIBLE") {
			t.Errorf("%s prints a secret: %s", format, out)
		}
	}
}

func TestSignVersionDescriptionListsEveryValue(t *testing.T) {
	desc := markdownList(signVersions)
	for _, v := range signVersions {
		if !strings.Contains(desc, "`"+string(v)+"`") {
			t.Errorf("description %q lacks %q", desc, v)
		}
	}
}

func mapEnv(env map[string]string) func(string) string {
	return func(key string) string { return env[key] }
}

func nullProviderModel() providerModel {
	return providerModel{
		Region:        types.StringNull(),
		Endpoint:      types.StringNull(),
		AccessKey:     types.StringNull(),
		SecretKey:     types.StringNull(),
		SecurityToken: types.StringNull(),
		SignVersion:   types.StringNull(),
		Credentials:   types.ListNull(types.ObjectType{AttrTypes: credentialsAttrTypes()}),
	}
}

func credentialsAttrTypes() map[string]attr.Type {
	return map[string]attr.Type{
		"name":           types.StringType,
		"access_key":     types.StringType,
		"secret_key":     types.StringType,
		"security_token": types.StringType,
	}
}

func credentialsList(t *testing.T, blocks ...credentialsModel) types.List {
	t.Helper()
	list, diags := types.ListValueFrom(context.Background(), types.ObjectType{AttrTypes: credentialsAttrTypes()}, blocks)
	if diags.HasError() {
		t.Fatalf("building credentials list: %v", diags)
	}
	return list
}
