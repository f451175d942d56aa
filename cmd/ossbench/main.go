// Command ossbench benchmarks the migration engine against the OSS emulator
// (cmd/ossemu, run as a subprocess) and against bare SDK loops doing the same
// work, prints a table of ratios measured in the same run, and optionally
// writes it to BENCHMARKS.md. `make bench` runs it.
//
//	ossbench [-out BENCHMARKS.md] [-quick] [-only small,stream,...] [-reps N]
//
// Run it from inside the module: it builds cmd/ossemu with `go build`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ossmigrate/terraform-provider-ossmigrate/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "ossbench:", err)
		os.Exit(1) //nolint:gocritic // stop() already ran
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ossbench", flag.ContinueOnError)
	out := fs.String("out", "", "also write the results as Markdown to this file (e.g. BENCHMARKS.md)")
	quick := fs.Bool("quick", false, "smoke run: every scenario at tiny sizes, one repetition")
	only := fs.String("only", "", "comma-separated scenarios to run (default all): "+strings.Join(bench.Scenarios(), ", "))
	reps := fs.Int("reps", 0, "repetitions per side (default: each scenario's own)")
	cpuProfile := fs.String("cpuprofile", "", "profile the engine's repetitions into <prefix><scenario>.pprof (the last repetition of each scenario)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := bench.Config{Quick: *quick, Reps: *reps, Log: os.Stderr, CPUProfile: *cpuProfile}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.Only = append(cfg.Only, s)
		}
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Println()
	if err := rep.WriteTable(os.Stdout); err != nil {
		return err
	}
	if *out == "" {
		return nil
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(f, command(args)); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
	return nil
}

// command is how to reproduce this run: `make bench` for the run it makes,
// the go run line otherwise.
func command(args []string) string {
	if len(args) == 2 && args[0] == "-out" && args[1] == "BENCHMARKS.md" {
		return "make bench"
	}
	return "go run ./cmd/ossbench " + strings.Join(args, " ")
}
