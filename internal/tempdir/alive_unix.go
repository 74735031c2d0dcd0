//go:build unix

package tempdir

import (
	"errors"
	"syscall"
)

// alive tells whether process pid exists (signal 0 checks without
// sending; EPERM: it exists, owned by another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
