//go:build unix

package orchestrate

import (
	"os/exec"
	"syscall"
)

// killedBy says which signal ended the process, if one did.
func killedBy(ee *exec.ExitError) (int, bool) {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}
