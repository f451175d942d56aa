// Package ossemu is an Alibaba Cloud OSS compatible HTTP server for tests,
// the demo and benchmarks. The unmodified aliyun-oss-go-sdk accepts it as
// OSS: signatures V1 and V4, several accounts, regions as separate loopback
// listeners, bucket ACLs and grants, objects, listings, CopyObject,
// multipart, tagging, archive storage classes with restore, and fault
// injection. Every request is counted per operation.
//
// Where the emulator knowingly differs from OSS, a comment says so at that spot.
package ossemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Account is a principal that may sign requests.
type Account struct {
	Name            string // a label for tests and logs; never a secret
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken, when set, makes the account an STS identity: every
	// request must carry this token.
	SecurityToken string
	// ID is the owner ID shown in listings and ACLs; derived when empty.
	ID string
}

// DefaultAccount is used when Config.Accounts is empty, so that the
// emulator works with no configuration. Its keys are public test values.
var DefaultAccount = Account{Name: "default", AccessKeyID: "LTAIemulatorDefault", AccessKeySecret: "emulator-default-secret"}

// DefaultRegion is used when Config.Regions is empty.
const DefaultRegion = "cn-hangzhou"

// Config configures a Cloud. The zero value is a usable emulator: one
// region (cn-hangzhou), the default account, a memory backend.
type Config struct {
	Accounts []Account
	Regions  []string
	// Listen maps a region to its listen address; regions not named listen
	// on ListenHost with a free port.
	Listen     map[string]string
	ListenHost string // default 127.0.0.1
	Backend    Backend
	Logger     hclog.Logger
	// Clock is the emulator's notion of now (signature skew, Last-Modified,
	// restore timing); default time.Now.
	Clock func() time.Time
	// RestoreDelay is how long a RestoreObject takes before the object can
	// be read; zero means restores are ready at once.
	RestoreDelay time.Duration
	// FaultSeed seeds the fault injection random source, for reproducible runs.
	FaultSeed uint64
}

// Cloud is a running emulator: one HTTP listener per region.
type Cloud struct {
	cfg      Config
	backend  Backend
	log      hclog.Logger
	now      func() time.Time
	accounts map[string]*Account // by access key ID
	byName   map[string]*Account

	regions   []string
	endpoints map[string]string // region -> http://host:port
	servers   []*http.Server
	wg        sync.WaitGroup

	stats   stats
	faults  faultSet
	uploads uploadSet
}

// Start starts an emulator. Close it when done.
func Start(cfg Config) (*Cloud, error) {
	if len(cfg.Accounts) == 0 {
		cfg.Accounts = []Account{DefaultAccount}
	}
	if len(cfg.Regions) == 0 {
		cfg.Regions = []string{DefaultRegion}
	}
	if cfg.ListenHost == "" {
		cfg.ListenHost = "127.0.0.1"
	}
	if cfg.Backend == nil {
		cfg.Backend = NewMemoryBackend()
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	c := &Cloud{
		cfg: cfg, backend: cfg.Backend, log: cfg.Logger, now: cfg.Clock,
		accounts: map[string]*Account{}, byName: map[string]*Account{},
		endpoints: map[string]string{},
	}
	c.faults.init(cfg.FaultSeed)
	c.uploads.init()
	for i := range cfg.Accounts {
		a := cfg.Accounts[i]
		if a.Name == "" || a.AccessKeyID == "" || a.AccessKeySecret == "" {
			return nil, fmt.Errorf("account %d: name, access key ID and secret are required", i)
		}
		if a.ID == "" {
			a.ID = accountID(a.Name)
		}
		if _, dup := c.accounts[a.AccessKeyID]; dup {
			return nil, fmt.Errorf("account %q: access key ID already used", a.Name)
		}
		if _, dup := c.byName[a.Name]; dup {
			return nil, fmt.Errorf("account %q: name already used", a.Name)
		}
		c.accounts[a.AccessKeyID] = &a
		c.byName[a.Name] = &a
	}
	for _, region := range cfg.Regions {
		if !validRegionID(region) {
			c.closeServers()
			return nil, fmt.Errorf("region %q: expected an OSS region ID such as cn-hangzhou", region)
		}
		addr := cfg.Listen[region]
		if addr == "" {
			addr = net.JoinHostPort(cfg.ListenHost, "0")
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			c.closeServers()
			return nil, fmt.Errorf("region %s: listen on %s: %w", region, addr, err)
		}
		srv := &http.Server{
			Handler:           &regionHandler{cloud: c, region: region},
			ReadHeaderTimeout: 30 * time.Second,
			ErrorLog:          c.log.Named("http").StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
		}
		c.regions = append(c.regions, region)
		c.endpoints[region] = "http://" + ln.Addr().String()
		c.servers = append(c.servers, srv)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				c.log.Error("region listener stopped", "region", region, "error", err)
			}
		}()
		c.log.Info("region listening", "region", region, "endpoint", c.endpoints[region])
	}
	return c, nil
}

func (c *Cloud) closeServers() {
	for _, s := range c.servers {
		_ = s.Close()
	}
	c.wg.Wait()
}

// Shutdown stops accepting requests and waits for in-flight ones until ctx ends.
func (c *Cloud) Shutdown(ctx context.Context) error {
	var errs []error
	for _, s := range c.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	c.wg.Wait()
	errs = append(errs, c.backend.Close())
	return errors.Join(errs...)
}

// Close stops the emulator at once.
func (c *Cloud) Close() error {
	c.closeServers()
	return c.backend.Close()
}

// Regions returns the emulated region IDs in the order they were configured.
func (c *Cloud) Regions() []string { return append([]string(nil), c.regions...) }

// Endpoint returns the http://127.0.0.1:port endpoint of a region, or "" if
// the region is not emulated.
func (c *Cloud) Endpoint(region string) string { return c.endpoints[region] }

// Account returns a configured account by name.
func (c *Cloud) Account(name string) (Account, bool) {
	a, ok := c.byName[name]
	if !ok {
		return Account{}, false
	}
	return *a, true
}

// Backend returns the storage backend, for tests that inspect it directly.
func (c *Cloud) Backend() Backend { return c.backend }

func (c *Cloud) accountByID(id string) *Account {
	for _, a := range c.byName {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// accountID derives a stable, numeric-looking owner ID from an account name.
func accountID(name string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return fmt.Sprintf("1%015d", h%1_000_000_000_000_000)
}

func validRegionID(r string) bool {
	if r == "" || strings.HasPrefix(r, "oss-") {
		return false
	}
	for _, ch := range r {
		if (ch < 'a' || ch > 'z') && (ch < '0' || ch > '9') && ch != '-' {
			return false
		}
	}
	return true
}

// PublicEndpoint is the host name OSS gives a region's public endpoint.
func PublicEndpoint(region string) string { return "oss-" + region + ".aliyuncs.com" }

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
