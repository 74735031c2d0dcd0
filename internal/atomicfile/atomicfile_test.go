package atomicfile

import (
	"os"
	"path/filepath"
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
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
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
