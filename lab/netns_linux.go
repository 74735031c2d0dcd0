//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"github.com/segscope/segscope/internal/tempdir"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Supported tells whether this build can make labs: network namespaces
// are Linux's.
const Supported = true

// In runs f on an OS thread that has joined the namespace ns, then returns
// the thread to the process's namespace. Sockets f opens stay in ns for
// their whole life, whichever thread uses them later: this is how the
// server listens and the capture opens its packet socket inside the lab
// without a helper process (nothing to reap, and the capture's analysis
// stays in this process).
//
// f runs on its own goroutine locked to its thread; if the thread cannot
// be returned to the original namespace it is left locked, so the Go
// runtime ends it rather than reuse a thread in the wrong namespace.
func In(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join(nsDir, ns))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("network namespace %s: %w", ns, err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("joining network namespace %s: %w", ns, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Stay locked: the thread dies with this goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("leaving network namespace %s: %w", ns, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Command returns a command that runs inside namespace ns (through `ip
// netns exec`, which also gives it the namespace's /sys). It is killed if
// this process dies, and by ctx.
func Command(ctx context.Context, ns string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// Reap deletes the namespaces and temporary directories of labs whose
// process is gone (killed with SIGKILL, or a machine crash before a reboot
// cleared /run): a lab's names carry its process ID. It returns the names
// and paths deleted.
func Reap() ([]string, error) {
	ents, err := os.ReadDir(nsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var gone []string
	var errs []error
	for _, e := range ents {
		pid, ok := labPID(e.Name())
		if !ok || alive(pid) {
			continue
		}
		out, err := exec.Command("ip", "netns", "del", e.Name()).CombinedOutput()
		if err != nil {
			errs = append(errs, fmt.Errorf("ip netns del %s: %s", e.Name(), strings.TrimSpace(string(out))))
			continue
		}
		gone = append(gone, e.Name())
	}
	// And the temporary directories (traces, key logs, captures) of labs
	// that died without removing them.
	dirs, err := tempdir.Reap("segscope-lab")
	return append(gone, dirs...), errors.Join(append(errs, err)...)
}

func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
