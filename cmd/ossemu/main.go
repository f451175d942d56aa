// Command ossemu runs the OSS emulator standalone (demo, benchmarks, manual
// tries) and has small client subcommands to seed and list it.
//
//	ossemu [serve] [flags]   run the emulator until SIGINT/SIGTERM
//	ossemu seed [flags]      upload generated objects through the OSS SDK
//	ossemu ls [flags]        list a bucket through the OSS SDK
//
// With no flags, serve listens on 127.0.0.1:9100 as region cn-hangzhou with
// the default account (access key LTAIemulatorDefault, secret
// emulator-default-secret) and keeps data in memory. serve -stats-addr
// 127.0.0.1:0 also serves the request counters as JSON on a separate
// loopback listener, for benchmarks (stats.go; cmd/ossbench uses it).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `ossemu: an OSS-compatible server for tests, the demo and benchmarks.

Usage:
  ossemu [serve] [flags]   run the emulator (the default command; flags: ossemu serve -h)
  ossemu seed [flags]      put generated objects into a bucket (flags: ossemu seed -h)
  ossemu ls [flags]        list a bucket (flags: ossemu ls -h)
  ossemu help              this text

With no flags, serve listens on 127.0.0.1:9100 as region cn-hangzhou with the default
account: access key LTAIemulatorDefault, secret emulator-default-secret.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := os.Args[1:]
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Print(usage)
		return
	}
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "seed" || args[0] == "ls") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, os.Stdout)
	case "seed":
		err = seed(ctx, args, os.Stdout)
	case "ls":
		err = list(ctx, args, os.Stdout)
	}
	if err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "ossemu:", err)
		os.Exit(1) //nolint:gocritic // stop() already ran
	}
}
