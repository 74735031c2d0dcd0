//go:build unix

package tempdir

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// A directory of a process that is gone is removed; one of a live
// process (this one, and a running child) and one of another name stay.
func TestReap(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	mine, err := Make("segscope-test")
	if err != nil {
		t.Fatal(err)
	}
	// Children of this test binary itself: no other program is needed.
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(os.TempDir(), "segscope-test-"+strconv.Itoa(dead.Process.Pid)+"-123")
	os.MkdirAll(filepath.Join(gone, "sub"), 0o700)
	os.WriteFile(filepath.Join(gone, "keys.txt"), []byte("secret"), 0o600)
	live := exec.Command(os.Args[0], "-test.run=^TestSleepHelper$")
	live.Env = append(os.Environ(), "TEMPDIR_SLEEP=1")
	live.Start()
	defer live.Process.Kill()
	kept := filepath.Join(os.TempDir(), "segscope-test-"+strconv.Itoa(live.Process.Pid)+"-456")
	os.Mkdir(kept, 0o700)
	other := filepath.Join(os.TempDir(), "segscope-test-notapid")
	os.Mkdir(other, 0o700)

	removed, err := Reap("segscope-test")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != gone {
		t.Errorf("removed %v, want [%s]", removed, gone)
	}
	for _, p := range []string{mine, kept, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", p)
		}
	}
	if _, err := os.Stat(gone); err == nil {
		t.Errorf("%s is still there", gone)
	}
}

// TestSleepHelper sleeps, as the live process of TestReap.
func TestSleepHelper(t *testing.T) {
	if os.Getenv("TEMPDIR_SLEEP") == "1" {
		time.Sleep(30 * time.Second)
	}
}
