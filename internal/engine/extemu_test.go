package engine

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
)

var (
	ossemuBinDir  string
	ossemuBinOnce sync.Once
	ossemuBin     string
	ossemuBinErr  error
)

// buildOssemu builds cmd/ossemu once per test binary.
func buildOssemu(tb testing.TB) string {
	tb.Helper()
	ossemuBinOnce.Do(func() {
		// Shared by every test of the binary, so not tb.TempDir (removed
		// when the first test ends); TestMain removes it.
		dir, err := os.MkdirTemp("", "ossemu-bin") //nolint:usetesting
		ossemuBinDir = dir
		if err != nil {
			ossemuBinErr = err
			return
		}
		ossemuBin = filepath.Join(dir, "ossemu")
		out, err := exec.Command("go", "build", "-o", ossemuBin, "github.com/ossmigrate/terraform-provider-ossmigrate/cmd/ossemu").CombinedOutput()
		if err != nil {
			ossemuBinErr = err
			tb.Logf("%s", out)
		}
	})
	if ossemuBinErr != nil {
		tb.Fatalf("build cmd/ossemu: %v", ossemuBinErr)
	}
	return ossemuBin
}

// externalEmulator runs cmd/ossemu in its own process (so that its memory
// is not the engine's) with alice's account and the given extra flags, and
// returns the endpoint of its one region (cn-hangzhou).
func externalEmulator(tb testing.TB, flags ...string) string {
	tb.Helper()
	args := append([]string{"serve", "-listen", "127.0.0.1:0", "-regions", hz, "-log-level", "warn",
		"-account", alice + ":" + testAccounts[0].AccessKeyID + ":" + testAccounts[0].AccessKeySecret}, flags...)
	cmd := exec.Command(buildOssemu(tb), args...)
	dieWithParent(cmd)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	// The emulator prints its endpoints once it is listening and seeded.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && f[0] == "region" && f[2] == "endpoint" {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return f[3]
		}
	}
	tb.Fatalf("ossemu exited before listening: %v", sc.Err())
	return ""
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
	if ossemuBinDir != "" {
		_ = os.RemoveAll(ossemuBinDir)
	}
	os.Exit(code) //nolint:forbidigo // TestMain must exit with the tests' status
}
