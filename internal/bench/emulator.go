package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// The two regions every scenario's emulator has (same country, so the
// engine allows jobs between them).
const (
	hz = "cn-hangzhou"
	sh = "cn-shanghai"
)

// The one account every bucket belongs to (public test values).
const (
	account   = "bench"
	accessKey = "LTAIbench0000000"
	secretKey = "bench-secret"
)

const emulatorPackage = "github.com/ossmigrate/terraform-provider-ossmigrate/cmd/ossemu"

// BuildEmulator builds cmd/ossemu into a temporary directory and returns
// the binary and a function that removes it. It runs `go build`, so the
// working directory must be inside the module.
func BuildEmulator(ctx context.Context) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "ossbench")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	bin = filepath.Join(dir, "ossemu")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, emulatorPackage).CombinedOutput()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build %s: %w\n%s", emulatorPackage, err, out)
	}
	return bin, cleanup, nil
}

// bucketSpec is a bucket a scenario's emulator starts with.
type bucketSpec struct{ name, region string }

// emulatorSetup is what a scenario's emulator is started with.
type emulatorSetup struct {
	buckets []bucketSpec
	// synthetic are -synthetic values: bucket:prefix:count[:size]. Objects
	// are named <prefix><index, 9 digits>, all with the same bytes.
	synthetic []string
}

// emulator is a running cmd/ossemu process.
type emulator struct {
	cmd       *exec.Cmd
	done      chan struct{} // closed when the process has exited
	endpoints map[string]string
	statsURL  string
	regionOf  map[string]string // bucket -> region
	http      *http.Client
	clients   map[string]*oss.Client // by region
}

// startEmulator starts cmd/ossemu with both regions, the bench account, the
// setup's buckets and objects, and the stats endpoint, and waits until it
// listens (after seeding).
func startEmulator(ctx context.Context, bin string, setup emulatorSetup) (*emulator, error) {
	args := []string{"serve", "-listen", "127.0.0.1:0", "-regions", hz + "," + sh, "-log-level", "warn",
		"-account", account + ":" + accessKey + ":" + secretKey, "-stats-addr", "127.0.0.1:0"}
	e := &emulator{endpoints: map[string]string{}, regionOf: map[string]string{}, clients: map[string]*oss.Client{},
		http: &http.Client{Timeout: 30 * time.Second}, done: make(chan struct{})}
	for _, b := range setup.buckets {
		args = append(args, "-bucket", b.name+":"+b.region+":"+account)
		e.regionOf[b.name] = b.region
	}
	for _, s := range setup.synthetic {
		args = append(args, "-synthetic", s)
	}
	e.cmd = exec.Command(bin, args...)
	dieWithParent(e.cmd)
	e.cmd.Stderr = os.Stderr
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = e.cmd.Wait()
		close(e.done)
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	// The emulator prints "stats <url>", then "region <id> endpoint <url>
	// (...)" per region, once it is seeded and listening.
	for len(e.endpoints) < 2 {
		select {
		case line, ok := <-lines:
			if !ok {
				e.close()
				return nil, errors.New("ossemu exited before listening (see its stderr above)")
			}
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "stats":
				e.statsURL = f[1]
			case len(f) >= 4 && f[0] == "region" && f[2] == "endpoint":
				e.endpoints[f[1]] = f[3]
			}
		case <-ctx.Done():
			e.close()
			return nil, ctx.Err()
		}
	}
	go func() {
		for range lines {
		}
	}()
	if e.statsURL == "" {
		e.close()
		return nil, errors.New("ossemu printed no stats endpoint")
	}
	for r, ep := range e.endpoints {
		c, err := oss.New(ep, accessKey, secretKey, oss.AuthVersion(oss.AuthV4), oss.Region(r))
		if err != nil {
			e.close()
			return nil, err
		}
		e.clients[r] = c
	}
	return e, nil
}

// close stops the emulator. It is killed outright: its data is in memory
// and thrown away, and a graceful shutdown would wait for connections the
// clients' pools opened and never used.
func (e *emulator) close() {
	_ = e.cmd.Process.Kill()
	<-e.done
}

// requests returns how many requests the emulator has received so far, of
// every operation and bucket.
func (e *emulator) requests(ctx context.Context) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.statsURL+"/stats", nil)
	if err != nil {
		return 0, err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read emulator stats: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read emulator stats: %s", resp.Status)
	}
	var st map[string]ossemu.OpStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("read emulator stats: %w", err)
	}
	var n int64
	for _, s := range st {
		n += s.Requests
	}
	return n, nil
}

// bucket returns an SDK handle on a bucket, on its region's endpoint,
// signing with V4 as the engine does. Handles of one region share one
// client (one connection pool) for the whole scenario.
func (e *emulator) bucket(name string) (*oss.Bucket, error) {
	c := e.clients[e.regionOf[name]]
	if c == nil {
		return nil, fmt.Errorf("bucket %q is not in the setup", name)
	}
	return c.Bucket(name)
}

// store opens a bucket through the engine's storage adapter, for the
// listing baselines (listAll).
func (e *emulator) store(ctx context.Context, name string) (storage.Bucket, error) {
	if e.regionOf[name] == "" {
		return nil, fmt.Errorf("bucket %q is not in the setup", name)
	}
	return ossstore.Open(ctx, e.location(name, "").Endpoint)
}

// location is an engine location for a bucket and prefix.
func (e *emulator) location(bucket, prefix string) engine.Location {
	r := e.regionOf[bucket]
	return engine.Location{
		Endpoint: storage.Endpoint{Region: r, Endpoint: e.endpoints[r], Bucket: bucket,
			Credentials: storage.Credentials{AccessKeyID: accessKey, AccessKeySecret: secretKey}},
		Prefix: prefix, CredentialsName: account,
	}
}

// cpu is the CPU time (user and system) the emulator process has used so
// far, from /proc (Linux); 0 where that cannot be read.
func (e *emulator) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100
	// on every Linux this runs on).
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}
