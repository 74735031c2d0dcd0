// Package tempdir makes the temporary directories of a run under names
// that carry the process ID, so that a later run can remove those of a
// process that died without cleaning up (SIGKILL, a crash): a trace and a
// TLS key log must not pile up in /tmp.
package tempdir

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Make creates a directory in os.TempDir named prefix-PID-random.
func Make(prefix string) (string, error) {
	return os.MkdirTemp("", prefix+"-"+strconv.Itoa(os.Getpid())+"-")
}

// Reap removes the directories Make made with prefix for processes that
// are gone, and returns their paths. Directories of live processes, and
// names it did not make, are left alone.
func Reap(prefix string) ([]string, error) {
	ents, err := os.ReadDir(os.TempDir())
	if err != nil {
		return nil, err
	}
	var gone []string
	var errs []error
	for _, e := range ents {
		pid, ok := pidOf(e.Name(), prefix)
		if !ok || !e.IsDir() || pid == os.Getpid() || alive(pid) {
			continue
		}
		path := filepath.Join(os.TempDir(), e.Name())
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, path)
	}
	return gone, errors.Join(errs...)
}

// pidOf reads the process ID out of a name Make made.
func pidOf(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"-")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(num)
	return pid, err == nil && pid > 0
}
