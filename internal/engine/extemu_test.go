package engine

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu/emuproc"
)

var (
	ossemuBinOnce    sync.Once
	ossemuBin        string
	ossemuBinCleanup = func() {}
	ossemuBinErr     error
)

// buildOssemu builds cmd/ossemu once per test binary (TestMain removes it).
func buildOssemu(tb testing.TB) string {
	tb.Helper()
	ossemuBinOnce.Do(func() {
		ossemuBin, ossemuBinCleanup, ossemuBinErr = emuproc.Build(context.Background())
		if ossemuBinErr != nil {
			ossemuBinCleanup = func() {}
		}
	})
	if ossemuBinErr != nil {
		tb.Fatal(ossemuBinErr)
	}
	return ossemuBin
}

// externalEmulator runs cmd/ossemu in its own process (so that its memory
// is not the engine's) with alice's account and the given extra flags, and
// returns the endpoint of its one region (cn-hangzhou).
func externalEmulator(tb testing.TB, flags ...string) string {
	tb.Helper()
	args := append([]string{"-listen", "127.0.0.1:0", "-regions", hz, "-log-level", "warn",
		"-account", alice + ":" + testAccounts[0].AccessKeyID + ":" + testAccounts[0].AccessKeySecret}, flags...)
	p, err := emuproc.Start(tb.Context(), buildOssemu(tb), 1, args...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p.Endpoints[hz]
}

// externalLoc is a Location in the external emulator, reached as alice.
func externalLoc(endpoint, bucket, prefix string) Location {
	return Location{
		Endpoint: storage.Endpoint{Region: hz, Endpoint: endpoint, Bucket: bucket,
			Credentials: storage.Credentials{AccessKeyID: testAccounts[0].AccessKeyID, AccessKeySecret: testAccounts[0].AccessKeySecret}},
		Prefix: prefix, CredentialsName: alice,
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	ossemuBinCleanup()
	os.Exit(code) //nolint:forbidigo // TestMain must exit with the tests' status
}
