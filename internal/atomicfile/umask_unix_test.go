//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNewFileUmask: a new file gets 0666 less the umask, as any program's
// does (review 24: sniff -w wrote a capture holding TLS secrets 0644 under
// umask 077). A file replaced keeps its own mode whatever the umask.
func TestNewFileUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	fresh := filepath.Join(dir, "keys.pcapng")
	f, err := Create(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o600 {
		t.Errorf("under umask 077 a new file is %v, want 0600", st.Mode().Perm())
	}
	shared := filepath.Join(dir, "shared.html")
	if err := os.WriteFile(shared, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o644)
	f, _ = Create(shared)
	f.Commit()
	if st, _ := os.Stat(shared); st.Mode().Perm() != 0o644 {
		t.Errorf("a replaced 0644 file became %v", st.Mode().Perm())
	}
}
