package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/ossstore"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/engine/storage"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu/emuproc"
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

// bucketSpec is a bucket a scenario's emulator starts with.
type bucketSpec struct{ name, region string }

// emulatorSetup is what a scenario's emulator is started with.
type emulatorSetup struct {
	buckets []bucketSpec
	// synthetic are -synthetic values: bucket:prefix:count[:size]. Objects
	// are named <prefix><index, 9 digits>, all with the same bytes.
	synthetic []string
}

// emulator is a scenario's cmd/ossemu process and its clients.
type emulator struct {
	*emuproc.Process
	regionOf map[string]string // bucket -> region
	http     *http.Client
	clients  map[string]*oss.Client // by region
}

// startEmulator starts cmd/ossemu with both regions, the bench account, the
// setup's buckets and objects, and the stats endpoint, and waits until it
// listens (after seeding).
func startEmulator(ctx context.Context, bin string, setup emulatorSetup) (*emulator, error) {
	args := []string{"-listen", "127.0.0.1:0", "-regions", hz + "," + sh, "-log-level", "warn",
		"-account", account + ":" + accessKey + ":" + secretKey, "-stats-addr", "127.0.0.1:0"}
	e := &emulator{regionOf: map[string]string{}, clients: map[string]*oss.Client{}, http: &http.Client{Timeout: 30 * time.Second}}
	for _, b := range setup.buckets {
		args = append(args, "-bucket", b.name+":"+b.region+":"+account)
		e.regionOf[b.name] = b.region
	}
	for _, s := range setup.synthetic {
		args = append(args, "-synthetic", s)
	}
	var err error
	if e.Process, err = emuproc.Start(ctx, bin, 2, args...); err != nil {
		return nil, err
	}
	if e.StatsURL == "" {
		e.Close()
		return nil, errors.New("ossemu printed no stats endpoint")
	}
	for r, ep := range e.Endpoints {
		c, err := oss.New(ep, accessKey, secretKey, oss.AuthVersion(oss.AuthV4), oss.Region(r))
		if err != nil {
			e.Close()
			return nil, err
		}
		e.clients[r] = c
	}
	return e, nil
}

// requests returns how many requests the emulator has received so far, of
// every operation and bucket.
func (e *emulator) requests(ctx context.Context) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.StatsURL+"/stats", nil)
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
		Endpoint: storage.Endpoint{Region: r, Endpoint: e.Endpoints[r], Bucket: bucket,
			Credentials: storage.Credentials{AccessKeyID: accessKey, AccessKeySecret: secretKey}},
		Prefix: prefix, CredentialsName: account,
	}
}

// cpu is the CPU time (user and system) the emulator process has used so
// far, from /proc (Linux); 0 where that cannot be read.
func (e *emulator) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.Pid()))
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
