package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the emulator when ossbench dies
// without closing it (a signal, a closed pipe): no orphan keeps its
// gigabytes of objects.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
