//go:build !linux

package orchestrate

import "os/exec"

// dieWithParent does nothing: a parent-death signal is Linux's. Here the
// child is killed when the run's context is done, and would outlive a
// segscope killed with SIGKILL.
func dieWithParent(cmd *exec.Cmd) {}
