// Package atomicfile writes a file under a temporary name beside its
// target and renames it into place only when it is complete: a reader
// never sees half a file, and a file already there is replaced by a
// complete one or not at all (a failed run, a full disk, an interrupt
// leave it as it was).
//
// A path that exists and is not a regular file (a device such as
// /dev/null or /dev/full, a FIFO, a terminal) is written in place: there
// is nothing to keep, and renaming over it would replace the device.
//
// It is not a lock: two writers of one path both succeed, the last rename
// winning.
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
)

// File is an output being written. Write to it as to an *os.File, then
// Commit or Abort; Abort after Commit does nothing, so `defer f.Abort()`
// is the usual pattern.
type File struct {
	*os.File
	path   string
	done   bool
	direct bool // written in place (not a regular file)
}

// Create starts writing path: it creates a temporary file in path's
// directory (so that the rename stays on one file system), named after
// path and starting with a dot.
func Create(path string) (*File, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &File{File: f, path: path, direct: true}, nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".segscope-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Path is the file's final name.
func (f *File) Path() string { return f.path }

// Commit closes the file and renames it to its final name (mode 0644).
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " committed or aborted already")
	}
	f.done = true
	if f.direct {
		return f.Close()
	}
	err := f.Chmod(0o644)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
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
