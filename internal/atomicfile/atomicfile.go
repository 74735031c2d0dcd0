// Package atomicfile writes a file under a temporary name beside its
// target and renames it into place only when it is complete: a reader
// never sees half a file, and a file already there is replaced by a
// complete one or not at all (a failed run, a full disk, an interrupt
// leave it as it was).
//
// A path that exists and is not a regular file (a device such as
// /dev/null or /dev/full, a FIFO, a terminal) is written in place: there
// is nothing to keep, and renaming over it would replace the device. A
// symbolic link is followed: a link to a regular file has that file
// replaced (the link stays), any other link (/dev/stdout, /proc/self/fd/N)
// is written through in place. A file replaced keeps its permissions; a
// new one has 0666 less the umask, as any program's new file.
//
// It is not a lock: two writers of one path both succeed, the last rename
// winning.
package atomicfile

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// File is an output being written. Write to it as to an *os.File, then
// Commit or Abort; Abort after Commit does nothing, so `defer f.Abort()`
// is the usual pattern.
type File struct {
	*os.File
	path   string      // the name given
	target string      // the file renamed over: path, or where its links lead
	mode   os.FileMode // of the file replaced; 0 for a new one (made 0666 less the umask)
	done   bool
	direct bool // written in place (not a regular file)
}

// Create starts writing path: it creates a temporary file in path's
// directory (so that the rename stays on one file system), named after
// path and starting with a dot.
func Create(path string) (*File, error) {
	target, mode := path, os.FileMode(0)
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSymlink != 0 {
			// Replace what the link leads to, not the link; where it
			// leads nowhere renameable (a descriptor, a device), write
			// through it.
			real, rerr := filepath.EvalSymlinks(path)
			rst, serr := os.Stat(real)
			if rerr != nil || serr != nil || !rst.Mode().IsRegular() {
				return direct(path)
			}
			target, st = real, rst
		} else if !st.Mode().IsRegular() {
			return direct(path)
		}
		mode = st.Mode().Perm()
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, "."+base+".segscope-")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			// Name the file asked for, not the temporary one.
			return nil, &os.PathError{Op: "create", Path: path, Err: pe.Err}
		}
		return nil, err
	}
	return &File{File: f, path: path, target: target, mode: mode}, nil
}

// createTemp creates a new file dir/prefix+N with mode 0666 less the
// umask, as any new file is (os.CreateTemp makes it 0600: a file meant to
// be private stays private under a umask of 077, and one meant to be
// shared is shared under 022; review 24: a sniff -w capture holding TLS
// secrets was 0644 under umask 077).
func createTemp(dir, prefix string) (*os.File, error) {
	for i := 0; ; i++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if os.IsExist(err) && i < 100 {
			continue
		}
		return f, err
	}
}

// direct opens path to be written in place.
func direct(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path, target: path, direct: true}, nil
}

// Write writes to the file; an error names the file asked for, not the
// temporary one (a full disk said "write .r.html.segscope-1x2y: no space
// left on device", a name gone once the write failed).
func (f *File) Write(b []byte) (int, error) {
	n, err := f.File.Write(b)
	return n, f.named(err)
}

// WriteString is Write of a string.
func (f *File) WriteString(s string) (int, error) {
	n, err := f.File.WriteString(s)
	return n, f.named(err)
}

// ReadFrom is io.ReaderFrom's, as *os.File's, with its errors named so.
func (f *File) ReadFrom(r io.Reader) (int64, error) {
	n, err := f.File.ReadFrom(r)
	return n, f.named(err)
}

// named puts the final name in a path error about the temporary file.
func (f *File) named(err error) error {
	var pe *os.PathError
	if err != nil && errors.As(err, &pe) && pe.Path == f.File.Name() {
		return &os.PathError{Op: pe.Op, Path: f.path, Err: pe.Err}
	}
	return err
}

// Path is the file's final name.
func (f *File) Path() string { return f.path }

// Commit closes the file and renames it to its final name (with the
// permissions of the file it replaces; a new one's are 0666 less the
// umask).
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " committed or aborted already")
	}
	f.done = true
	if f.direct {
		return f.Close()
	}
	var err error
	if f.mode != 0 {
		err = f.Chmod(f.mode) // the permissions of the file replaced
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.target)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return f.named(err)
}

// Abort closes and removes the temporary file; what was at the final name
// stays as it was.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	if !f.direct {
		os.Remove(f.Name())
	}
}
