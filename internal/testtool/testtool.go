// Package testtool is for tests that run real programs (curl, tshark,
// ip, ...): on a machine without them the test skips, unless
// SEGSCOPE_LIVE_TESTS=1 (CI, which installs them all), where it fails.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// packages names the Debian package of each program, for the message.
var packages = map[string]string{
	"curl": "curl", "tshark": "tshark", "tcpdump": "tcpdump", "editcap": "wireshark-common",
	"capinfos": "wireshark-common", "ip": "iproute2", "tc": "iproute2", "ethtool": "ethtool",
	"setpriv": "util-linux", "mount": "mount", "chromium": "chromium",
}

// Live tells whether missing tools and permissions fail tests (CI) rather
// than skip them.
func Live() bool { return os.Getenv("SEGSCOPE_LIVE_TESTS") == "1" }

// Need skips t (or, with SEGSCOPE_LIVE_TESTS=1, fails it) unless every
// program is on PATH.
func Need(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			pkg := packages[p]
			if pkg == "" {
				pkg = p
			}
			if Live() {
				t.Fatalf("%s is needed (apt-get install %s): %v", p, pkg, err)
			}
			t.Skipf("%s is not installed (apt-get install %s; SEGSCOPE_LIVE_TESTS=1 makes this a failure)", p, pkg)
		}
	}
}
