package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An existing file is replaced only by a complete one: while writing, and
// after Abort, it holds what it held; after Commit, the new bytes, and no
// temporary file is left in the directory.
func TestReplaceOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "precious.pcapng")
	if err := os.WriteFile(path, []byte("old capture"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	if b, _ := os.ReadFile(path); string(b) != "old capture" {
		t.Fatalf("while writing: %q", b)
	}
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old capture" {
		t.Fatalf("after Abort: %q", b)
	}
	f, _ = Create(path)
	f.WriteString("new capture")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // after Commit: nothing
	if b, _ := os.ReadFile(path); string(b) != "new capture" {
		t.Fatalf("after Commit: %q", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the replaced file's 0600", st.Mode())
	}
	fresh := filepath.Join(dir, "new.html")
	f2, _ := Create(fresh)
	f2.Commit()
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o644 {
		t.Errorf("a new file's mode %v, want 0644", st.Mode())
	}
	os.Remove(fresh)
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1", len(ents))
	}
	if err := f.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	if _, err := Create(filepath.Join(dir, "no-such-dir", "x")); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}

// A device is written in place, never renamed over: /dev/null stays the
// device, and /dev/full says it is full.
func TestDevicesInPlace(t *testing.T) {
	f, err := Create(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("x")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s after Commit: %v %v", os.DevNull, st.Mode(), err)
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		return // not Linux
	}
	f, err = Create("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("x"); err == nil {
		t.Error("a write to /dev/full succeeded")
	}
	f.Abort()
	if st, _ := os.Stat("/dev/full"); st.Mode().IsRegular() {
		t.Fatal("/dev/full was replaced by a regular file")
	}
}

// A symbolic link is followed: a link to a regular file has the file
// replaced (the link stays a link, the file keeps its mode), a link to a
// descriptor (as /dev/stdout is) is written through, and a missing
// directory is named by the path asked for.
func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "target.html")
	os.WriteFile(real, []byte("old"), 0o640)
	link := filepath.Join(dir, "link.html")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	f, err := Create(link)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("the target holds %q", b)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
		t.Errorf("the target's mode is %v, was 0640", st.Mode().Perm())
	}
	// A link to a pipe's descriptor: written through, not renamed over.
	if _, err := os.Stat("/proc/self/fd"); err == nil {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		fdlink := filepath.Join(dir, "fd")
		os.Symlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()), fdlink)
		f, err = Create(fdlink)
		if err != nil {
			t.Fatal(err)
		}
		go func() { f.WriteString("through"); f.Commit(); w.Close() }()
		b, _ := io.ReadAll(r)
		if string(b) != "through" {
			t.Errorf("read %q through the descriptor link", b)
		}
		if st, _ := os.Lstat(fdlink); st.Mode()&os.ModeSymlink == 0 {
			t.Error("the descriptor link was replaced by a file")
		}
	}
	missing := filepath.Join(dir, "nodir", "x.html")
	if _, err := Create(missing); err == nil || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), "segscope-") {
		t.Errorf("missing directory: %v", err)
	}
}

// TestErrorsNameTheFile: a failed write names the file asked for, not the
// temporary one, which is gone once the write failed (a full disk said
// "write .r.html.segscope-1x2y: no space left on device").
func TestErrorsNameTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	for _, write := range []func(*File) error{
		func(f *File) error { _, err := f.Write([]byte("x")); return err },
		func(f *File) error { _, err := f.WriteString("x"); return err },
		func(f *File) error { _, err := f.ReadFrom(strings.NewReader("x")); return err },
	} {
		f, err := Create(path)
		if err != nil {
			t.Fatal(err)
		}
		f.File.Close() // every write fails now, as on a full disk
		err = write(f)
		var pe *os.PathError
		if !errors.As(err, &pe) || pe.Path != path || strings.Contains(err.Error(), ".segscope-") {
			t.Errorf("error %v, want one about %s", err, path)
		}
		f.Abort()
	}
}
