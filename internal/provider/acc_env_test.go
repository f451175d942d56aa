package provider

import (
	"fmt"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// Regions and accounts of the acceptance tests' emulator.
const (
	accHZ      = "cn-hangzhou"
	accSH      = "cn-shanghai"
	accAlice   = "alice"
	accBob     = "bob"
	aliceKeyID = "LTAIaliceACC0001"
	aliceKey   = "alice-acc-secret-0001"
	bobKeyID   = "LTAIbobACC000002"
	bobKey     = "bob-acc-secret-0002"
)

// accEnv is an in-process OSS emulator for acceptance tests: regions
// cn-hangzhou and cn-shanghai; buckets src, dst and reports (cn-hangzhou) and
// dst-sh (cn-shanghai) owned by alice, bob-dst (cn-hangzhou) owned by bob.
// The provider uses alice's keys by default and bob's as credentials "bob".
type accEnv struct {
	t     *testing.T
	cloud *ossemu.Cloud
}

func newAccEnv(t *testing.T) *accEnv {
	t.Helper()
	c := ossemu.StartForTest(t, ossemu.Config{
		Regions: []string{accHZ, accSH},
		Accounts: []ossemu.Account{
			{Name: accAlice, AccessKeyID: aliceKeyID, AccessKeySecret: aliceKey},
			{Name: accBob, AccessKeyID: bobKeyID, AccessKeySecret: bobKey},
		},
	},
		ossemu.BucketSpec{Name: "src", Region: accHZ, Owner: accAlice},
		ossemu.BucketSpec{Name: "dst", Region: accHZ, Owner: accAlice},
		ossemu.BucketSpec{Name: "reports", Region: accHZ, Owner: accAlice},
		ossemu.BucketSpec{Name: "dst-sh", Region: accSH, Owner: accAlice},
		ossemu.BucketSpec{Name: "bob-dst", Region: accHZ, Owner: accBob},
	)
	return &accEnv{t: t, cloud: c}
}

// providerConfig is the provider block: cn-hangzhou's emulator endpoint,
// alice's keys, and bob's as a credentials block.
func (e *accEnv) providerConfig() string {
	return fmt.Sprintf(`
provider "ossmigrate" {
  region       = %q
  endpoint     = %q
  access_key   = %q
  secret_key   = %q
  sign_version = "v4"

  credentials {
    name       = "bob"
    access_key = %q
    secret_key = %q
  }
}
`, accHZ, e.cloud.Endpoint(accHZ), aliceKeyID, aliceKey, bobKeyID, bobKey)
}

// envProviderConfig is providerConfig with no secret in the configuration:
// alice's keys come from the ALIBABA_CLOUD_* environment variables and
// bob's from ALIBABA_CLOUD_*_BOB, as users are told to do. Terraform writes
// literal provider arguments and variable values (sensitive or not) into
// plan files; the environment is how a configuration keeps keys out.
func (e *accEnv) envProviderConfig() string {
	e.t.Setenv(envAlibabaCloudAccessKeyID, aliceKeyID)
	e.t.Setenv(envAlibabaCloudAccessKeySecret, aliceKey)
	e.t.Setenv(envAlibabaCloudAccessKeyID+"_BOB", bobKeyID)
	e.t.Setenv(envAlibabaCloudAccessKeySecret+"_BOB", bobKey)
	return fmt.Sprintf(`
provider "ossmigrate" {
  region   = %q
  endpoint = %q

  credentials {
    name = "bob"
  }
}
`, accHZ, e.cloud.Endpoint(accHZ))
}

// shEndpoint is the emulator's cn-shanghai endpoint, for blocks in that region.
func (e *accEnv) shEndpoint() string { return e.cloud.Endpoint(accSH) }

func (e *accEnv) put(bucket, key string, data []byte) {
	e.t.Helper()
	if err := e.cloud.PutObject(bucket, ossemu.ObjectSpec{Key: key, Data: data}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *accEnv) putSpec(bucket string, spec ossemu.ObjectSpec) {
	e.t.Helper()
	if err := e.cloud.PutObject(bucket, spec); err != nil {
		e.t.Fatal(err)
	}
}

// writeRequests counts requests that change data in any bucket.
func (e *accEnv) writeRequests() int64 {
	var n int64
	for _, op := range []string{"PutObject", "CopyObject", "InitiateMultipartUpload", "UploadPart", "UploadPartCopy",
		"CompleteMultipartUpload", "DeleteObject", "DeleteMultipleObjects", "PutObjectTagging"} {
		n += e.cloud.Requests(op)
	}
	return n
}
