//go:build !linux

package lab

import (
	"context"
	"os/exec"
)

// Supported tells whether this build can make labs: network namespaces
// are Linux's, and this is not Linux.
const Supported = false

// In returns ErrNeedsLinux: there are no network namespaces to join here.
func In(ns string, f func() error) error { return ErrNeedsLinux }

// Command returns a command whose Run and Start return ErrNeedsLinux.
func Command(ctx context.Context, ns string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
	cmd.Err = ErrNeedsLinux
	return cmd
}

// Reap returns ErrNeedsLinux: no lab can have left namespaces here.
func Reap() ([]string, error) { return nil, ErrNeedsLinux }
