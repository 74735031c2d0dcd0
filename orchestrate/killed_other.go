//go:build !unix

package orchestrate

import "os/exec"

// killedBy: no signals to tell here.
func killedBy(*exec.ExitError) (int, bool) { return 0, false }
