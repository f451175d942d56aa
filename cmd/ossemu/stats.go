package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/ossemu"
)

// The stats endpoint (serve -stats-addr) is a debug listener, separate from
// the regions' OSS listeners, for benchmarks that count the requests a
// client issued (cmd/ossbench):
//
//	GET  /stats              {"<operation>": {"Requests": n, "Succeeded": n, "BytesIn": n, "BytesOut": n}, ...}
//	                         over every bucket (ossemu.Cloud.Stats)
//	GET  /stats?bucket=NAME  the same for requests addressed to one bucket (Cloud.BucketStats)
//	POST /stats/reset        zeroes every counter (Cloud.ResetStats); answers 204
//
// It is not part of OSS, needs no signature and only listens on loopback.

// checkLoopback accepts host:port addresses whose host is a loopback IP or
// "localhost".
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: the stats endpoint is unauthenticated and only listens on a loopback address (127.0.0.1, ::1, localhost)", addr)
	}
	return nil
}

// statsHandler serves the stats endpoint for cloud.
func statsHandler(cloud *ossemu.Cloud) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st := cloud.Stats()
		if b := r.URL.Query().Get("bucket"); b != "" {
			st = cloud.BucketStats(b)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST /stats/reset", func(w http.ResponseWriter, _ *http.Request) {
		cloud.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// serveStats starts the stats endpoint on addr and returns its base URL and
// a function that stops it.
func serveStats(cloud *ossemu.Cloud, addr string, log hclog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("-stats-addr: %w", err)
	}
	srv := &http.Server{Handler: statsHandler(cloud), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("stats listener stopped", "error", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}
