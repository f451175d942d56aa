package emuproc

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the emulator when the process that
// started it dies without closing it (a signal, a closed pipe, a test
// timeout): no orphan keeps its gigabytes of objects.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
