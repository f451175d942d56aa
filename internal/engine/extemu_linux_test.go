package engine

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the emulator if the test binary dies
// without its cleanup (a timeout, a signal): no orphan keeps a million
// objects in memory.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
