package report

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoLinuxOnlyImports keeps report, and everything the offline
// commands build on, apart from the packages that run things (sniffer,
// orchestrate, lab): those are Linux-only, and report must build on every
// platform Go supports. lab/labcompare, the comparison's data, is allowed.
// A cross-build would not notice, since those packages compile (as stubs)
// elsewhere too.
func TestNoLinuxOnlyImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list the imports with")
	}
	out, err := exec.Command("go", "list", "-deps", "-test", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/segscope/segscope/"
	for _, p := range strings.Fields(string(out)) {
		switch strings.TrimPrefix(p, mod) {
		case "sniffer", "orchestrate", "lab":
			t.Errorf("report (or report/htmlreport, or a test of them) imports %s", p)
		}
	}
}
