package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type serveOptions struct {
	cfg           ossemu.Config
	buckets       []ossemu.BucketSpec
	synthetic     []syntheticSpec
	endpointsFile string
	statsAddr     string
}

// syntheticSpec asks for generated objects at start: count objects of size
// bytes named <prefix><index, zero-padded to 9 digits>.
type syntheticSpec struct {
	bucket, prefix string
	count, size    int
}

func parseSynthetic(v string) (syntheticSpec, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 3 || len(parts) > 4 {
		return syntheticSpec{}, fmt.Errorf("-synthetic %q: want bucket:prefix:count[:size]", v)
	}
	s := syntheticSpec{bucket: parts[0], prefix: parts[1]}
	var err error
	if s.count, err = strconv.Atoi(parts[2]); err != nil || s.count < 0 {
		return s, fmt.Errorf("-synthetic %q: count must be a whole number", v)
	}
	if len(parts) == 4 {
		if s.size, err = strconv.Atoi(parts[3]); err != nil || s.size < 0 {
			return s, fmt.Errorf("-synthetic %q: size must be a whole number of bytes", v)
		}
	}
	return s, nil
}

// seedSynthetic creates the generated objects through the emulator's Go API
// (no HTTP, one blob for all), so benchmarks can start with a million
// objects in seconds.
func seedSynthetic(cloud *ossemu.Cloud, s syntheticSpec) error {
	data := make([]byte, s.size)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	keys := func(yield func(string) bool) {
		for i := range s.count {
			if !yield(fmt.Sprintf("%s%09d", s.prefix, i)) {
				return
			}
		}
	}
	return cloud.PutCopies(s.bucket, ossemu.ObjectSpec{Data: data}, keys)
}

// parseServeFlags turns serve's command line into an emulator config.
func parseServeFlags(args []string, stderr io.Writer) (serveOptions, error) {
	fs := flag.NewFlagSet("ossemu serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9100", "address of the first region; further regions use the following ports (port 0: free ports)")
	regions := fs.String("regions", ossemu.DefaultRegion, "comma-separated OSS region IDs to emulate, e.g. cn-hangzhou,cn-shanghai")
	dataDir := fs.String("data-dir", "", "keep data in this directory (survives restarts); empty keeps it in memory")
	logLevel := fs.String("log-level", "info", "trace, debug (every request), info, warn or error")
	restoreDelay := fs.Duration("restore-delay", 0, "how long RestoreObject takes before an archived object is readable")
	endpointsFile := fs.String("endpoints-file", "", "write {\"<region>\": \"<endpoint>\"} as JSON to this file once listening")
	statsAddr := fs.String("stats-addr", "", "serve the request counters as JSON on this loopback address (see stats.go); empty: off")
	var accounts, buckets, synthetic listFlag
	fs.Var(&accounts, "account", "name:access-key-id:secret[:sts-token] (repeatable); default: the built-in default account")
	fs.Var(&buckets, "bucket", "name[:region[:owner-account[:acl]]] to create at start if missing (repeatable)")
	fs.Var(&synthetic, "synthetic", "bucket:prefix:count[:size]: generate objects at start, for benchmarks (repeatable)")
	if err := fs.Parse(args); err != nil {
		return serveOptions{}, err
	}
	if fs.NArg() > 0 {
		return serveOptions{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	opts := serveOptions{endpointsFile: *endpointsFile, statsAddr: *statsAddr}
	if opts.statsAddr != "" {
		if err := checkLoopback(opts.statsAddr); err != nil {
			return opts, fmt.Errorf("-stats-addr: %w", err)
		}
	}
	cfg := &opts.cfg
	cfg.RestoreDelay = *restoreDelay
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			cfg.Regions = append(cfg.Regions, r)
		}
	}
	if len(cfg.Regions) == 0 {
		return opts, errors.New("-regions: name at least one region")
	}
	host, portStr, err := net.SplitHostPort(*listen)
	if err != nil {
		return opts, fmt.Errorf("-listen %q: %w", *listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return opts, fmt.Errorf("-listen %q: port must be a number", *listen)
	}
	cfg.ListenHost = host
	cfg.Listen = map[string]string{}
	for i, r := range cfg.Regions {
		p := 0
		if port != 0 {
			p = port + i
		}
		cfg.Listen[r] = net.JoinHostPort(host, strconv.Itoa(p))
	}
	for _, a := range accounts {
		parts := strings.Split(a, ":")
		if len(parts) < 3 || len(parts) > 4 {
			return opts, fmt.Errorf("-account %q: want name:access-key-id:secret[:sts-token]", redact(a))
		}
		acct := ossemu.Account{Name: parts[0], AccessKeyID: parts[1], AccessKeySecret: parts[2]}
		if len(parts) == 4 {
			acct.SecurityToken = parts[3]
		}
		cfg.Accounts = append(cfg.Accounts, acct)
	}
	for _, b := range buckets {
		parts := strings.Split(b, ":")
		spec := ossemu.BucketSpec{Name: parts[0]}
		if len(parts) > 1 {
			spec.Region = parts[1]
		}
		if len(parts) > 2 {
			spec.Owner = parts[2]
		}
		if len(parts) > 3 {
			spec.ACL = parts[3]
		}
		if len(parts) > 4 {
			return opts, fmt.Errorf("-bucket %q: want name[:region[:owner-account[:acl]]]", b)
		}
		opts.buckets = append(opts.buckets, spec)
	}
	for _, v := range synthetic {
		spec, err := parseSynthetic(v)
		if err != nil {
			return opts, err
		}
		opts.synthetic = append(opts.synthetic, spec)
	}
	level := hclog.LevelFromString(*logLevel)
	if level == hclog.NoLevel {
		return opts, fmt.Errorf("-log-level %q: want trace, debug, info, warn or error", *logLevel)
	}
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "ossemu", Level: level, Output: stderr})
	if *dataDir != "" {
		be, err := ossemu.NewDirBackend(*dataDir)
		if err != nil {
			return opts, fmt.Errorf("-data-dir: %w", err)
		}
		cfg.Backend = be
	}
	return opts, nil
}

// redact hides the secret part of an -account value in error messages.
func redact(account string) string {
	parts := strings.Split(account, ":")
	for i := 2; i < len(parts); i++ {
		parts[i] = "****"
	}
	return strings.Join(parts, ":")
}

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseServeFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	cloud, err := ossemu.Start(opts.cfg)
	if err != nil {
		return err
	}
	for _, b := range opts.buckets {
		err := cloud.CreateBucket(b)
		if err != nil && !errors.Is(err, ossemu.ErrBucketExists) {
			_ = cloud.Close()
			return err
		}
	}
	for _, s := range opts.synthetic {
		if err := seedSynthetic(cloud, s); err != nil {
			_ = cloud.Close()
			return err
		}
	}
	if opts.statsAddr != "" {
		url, stopStats, err := serveStats(cloud, opts.statsAddr, opts.cfg.Logger)
		if err != nil {
			_ = cloud.Close()
			return err
		}
		defer stopStats()
		// Before the region lines: a reader that has seen every region has
		// seen this line too.
		fmt.Fprintf(stdout, "stats %s\n", url)
	}
	endpoints := map[string]string{}
	for _, r := range cloud.Regions() {
		endpoints[r] = cloud.Endpoint(r)
		fmt.Fprintf(stdout, "region %s endpoint %s (%s)\n", r, cloud.Endpoint(r), ossemu.PublicEndpoint(r))
	}
	if opts.endpointsFile != "" {
		data, _ := json.MarshalIndent(endpoints, "", "  ")
		if err := os.WriteFile(opts.endpointsFile, append(data, '\n'), 0o644); err != nil {
			_ = cloud.Close()
			return err
		}
	}
	<-ctx.Done()
	opts.cfg.Logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cloud.Shutdown(shutdownCtx)
}
