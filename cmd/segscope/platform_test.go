package main

import (
	"errors"
	"runtime"
	"testing"
)

// TestLinuxOnlyCommandsElsewhere runs lab, sniff and curl as a build for
// another system would: each says in one line what it needs and exits 1,
// before it looks at anything else (curl's binary, the interface), while
// the offline commands still work.
func TestLinuxOnlyCommandsElsewhere(t *testing.T) {
	defer func(l, c bool) { canLab, canCapture = l, c }(canLab, canCapture)
	canLab, canCapture = false, false
	build := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lab", "--mtu", "1440"}, "segscope lab needs Linux (network namespaces); this build is for " + build},
		{[]string{"sniff", "-i", "nosuchif0"}, "segscope sniff needs Linux (live capture through a packet socket); this build is for " + build +
			": capture with tcpdump -w FILE and read the file with segscope analyze"},
		{[]string{"curl", "--curl", "/nonexistent/curl", "--", "http://127.0.0.1:9/"}, "segscope curl needs Linux (live capture through a packet socket); this build is for " + build +
			": capture with tcpdump -w while curl runs with --trace-time --trace, then read both with segscope explain"},
	} {
		code, out, errs := runCmd(t, nil, tc.args...)
		if code != 1 || out != "" || errs != tc.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr\n%q\nwant exit 1 and\n%q", tc.args, code, out, errs, tc.want+"\n")
		}
	}
	if code, _, errs := runCmd(t, nil, "analyze", pcaps+"mtu1440-ts.pcap.gz"); code != 0 {
		t.Errorf("analyze: exit %d: %s", code, errs)
	}
	if err := error(labPlatform); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("%v does not wrap errors.ErrUnsupported", err)
	}
}
