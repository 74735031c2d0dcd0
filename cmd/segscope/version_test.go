package main

import (
	"debug/buildinfo"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	const rev = "0fd63fe2acbab2fdf9887e94ea4be1576f9f9ebd"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-12-06T22:33:10Z"}, {Key: "vcs.modified", Value: modified}}
	}
	build := func(v string, s []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/segscope/segscope", Version: v}, Settings: s}
	}
	for _, tc := range []struct {
		name, ldflag string
		bi           *debug.BuildInfo
		want, why    string
	}{
		{"ldflags", "v2.0.0", build("v1.0.0", vcs("false")), "v2.0.0", ""},
		{"go install @v1.2.3", "", build("v1.2.3", nil), "v1.2.3", ""},
		{"tagged commit", "", build("v1.2.3", vcs("false")), "v1.2.3", ""},
		{"tagged commit, changed", "", build("v1.2.3+dirty", vcs("true")), "v1.2.3+dirty", ""},
		{"pseudo-version", "", build("v0.0.0-20261206223310-0fd63fe2acba", vcs("false")), "devel 0fd63fe2acba 2026-12-06T22:33:10Z", ""},
		{"pseudo-version, changed", "", build("v0.0.0-20261206223310-0fd63fe2acba+dirty", vcs("true")), "devel 0fd63fe2acba+dirty 2026-12-06T22:33:10Z", ""},
		{"commit, no version (before Go 1.24)", "", build("(devel)", vcs("true")), "devel 0fd63fe2acba+dirty 2026-12-06T22:33:10Z", ""},
		{"-buildvcs=false", "", build("(devel)", []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}}), "devel", noBuildVersion},
		{"no build information", "", nil, "devel", noBuildVersion},
	} {
		v, why := describeBuild(tc.ldflag, tc.bi)
		if v != tc.want || why != tc.why {
			t.Errorf("%s: %q, %q; want %q, %q", tc.name, v, why, tc.want, tc.why)
		}
	}
}

// TestVersionOfBuiltBinary builds segscope as a user would (go build
// records the commit where it finds a git clone) and checks that version
// prints what the binary's build information holds: the module version or
// the commit, its time and +dirty, or devel and why.
func TestVersionOfBuiltBinary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build segscope with")
	}
	bin := filepath.Join(t.TempDir(), "segscope")
	// -buildvcs=auto overrides a GOFLAGS of -buildvcs=false (CI's): the
	// commit is recorded wherever git can tell it.
	if out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSuffix(string(out), "\n")
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	platform := " " + bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	var want string
	switch rev := settings["vcs.revision"]; {
	case rev != "" && !strings.Contains(bi.Main.Version, rev[:12]):
		want = "segscope " + bi.Main.Version + platform // a tagged commit
	case rev != "":
		want = "segscope devel " + rev[:12]
		if settings["vcs.modified"] == "true" {
			want += "+dirty"
		}
		want += " " + settings["vcs.time"] + platform
	default:
		want = "segscope devel" + platform + " (" + noBuildVersion + ")"
	}
	if got != want {
		t.Errorf("segscope version:\n%s\nwant (from its build information)\n%s", got, want)
	}
	t.Logf("%s (main module %s %s, vcs.revision %q)", got, bi.Main.Path, bi.Main.Version, settings["vcs.revision"])
}

// TestHTMLBeforeClosedPipe: explain --html writes its file before
// standard output, which a reader like head closes early and so ends
// the process (SIGPIPE; review 21: the file was never written).
func TestHTMLBeforeClosedPipe(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build segscope with")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "segscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	html := filepath.Join(dir, "r.html")
	cmd := exec.Command(bin, "explain", "-q", "-o", "json", "--trace", "../../pcaps/mtu1440-ts.trace", "../../pcaps/mtu1440-ts.pcap.gz", "--html", html)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := io.ReadFull(stdout, buf); err != nil {
		t.Fatal(err)
	}
	stdout.Close() // as head -c 100 does
	cmd.Wait()     // killed by SIGPIPE, or done
	if st, err := os.Stat(html); err != nil || st.Size() < 10000 {
		t.Fatalf("the HTML report: %v", err)
	}
}
