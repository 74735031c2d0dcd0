//go:build linux

package orchestrate

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd's child when this process dies,
// however it dies (SIGKILL included): no curl is left running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
