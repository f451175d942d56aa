// Package emuproc runs cmd/ossemu in a process of its own, for tests and
// benchmarks whose memory or CPU must not be the emulator's.
package emuproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const emulatorPackage = "github.com/ossmigrate/terraform-provider-ossmigrate/cmd/ossemu"

// Build builds cmd/ossemu into a temporary directory and returns the binary
// and a function that removes it. It runs `go build`, so the working
// directory must be inside the module.
func Build(ctx context.Context) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "ossemu-bin")
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

// Process is a running emulator.
type Process struct {
	// Endpoints maps each region to its endpoint.
	Endpoints map[string]string
	// StatsURL is the -stats-addr listener's URL ("" without the flag).
	StatsURL string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// Start runs `bin serve args...` and returns once the emulator has printed
// the endpoints of all its regions (it does after seeding, when it
// listens). regions is how many it serves.
func Start(ctx context.Context, bin string, regions int, args ...string) (*Process, error) {
	p := &Process{Endpoints: map[string]string{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	dieWithParent(p.cmd)
	p.cmd.Stderr = os.Stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
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
	// "stats <url>" comes first, then "region <id> endpoint <url> (...)".
	for len(p.Endpoints) < regions {
		select {
		case line, ok := <-lines:
			if !ok {
				p.Close()
				return nil, errors.New("ossemu exited before listening (see its stderr above)")
			}
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "stats":
				p.StatsURL = f[1]
			case len(f) >= 4 && f[0] == "region" && f[2] == "endpoint":
				p.Endpoints[f[1]] = f[3]
			}
		case <-ctx.Done():
			p.Close()
			return nil, ctx.Err()
		}
	}
	go func() {
		for range lines {
		}
	}()
	return p, nil
}

// Pid is the emulator's process ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Close stops the emulator. It is killed outright: its data is in memory
// and thrown away, and a graceful shutdown would wait for connections that
// clients' pools opened and never used.
func (p *Process) Close() {
	_ = p.cmd.Process.Kill()
	<-p.done
}
