package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/segscope/segscope/sniffer"
)

// Local captures in this process's network namespace (sniffer.Start).
type Local struct{}

// Start implements Capturer.
func (Local) Start(o sniffer.Options) (Session, error) { return sniffer.Start(o) }

// Exec runs commands as child processes. Prefix goes before the command
// (e.g. ip netns exec NAME, to run it in a namespace).
type Exec struct {
	Prefix []string
}

// Run implements Runner: the child is killed when ctx is done, and (on
// Linux) when this process dies.
func (e Exec) Run(ctx context.Context, c Command) (int, error) {
	argv := append(append(append([]string(nil), e.Prefix...), c.Path), c.Args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.Env = append(os.Environ(), c.Env...)
	dieWithParent(cmd)
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if sig, ok := killedBy(ee); ok {
			// Killed by a signal: as a shell reports it, 128 + its
			// number (ExitCode says -1).
			return 128 + sig, nil
		}
		return ee.ExitCode(), nil
	}
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			// The command layer names its flags; this package only says
			// what is missing.
			return -1, fmt.Errorf("%s: no such program: %w", c.Path, exec.ErrNotFound)
		}
		return -1, err
	}
	return 0, nil
}

// CurlAtLeast tells whether the curl at bin is version major.minor or
// later (--trace-config came in 8.3).
func CurlAtLeast(bin string, major, minor int) bool {
	ma, mi, ok := CurlVersion(bin)
	return ok && (ma > major || ma == major && mi >= minor)
}

// CurlVersion runs bin --version and reads its first line.
func CurlVersion(bin string) (major, minor int, ok bool) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(string(out), "curl %d.%d", &major, &minor); err != nil {
		return 0, 0, false
	}
	return major, minor, true
}
