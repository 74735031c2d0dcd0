package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runReportCmd runs the report command alone (it does not go through the
// root command, so it tests the command whatever else is registered).
func runReportCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newReportCmd(&streams{in: strings.NewReader(""), out: &out, err: &errb})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err = cmd.Execute()
	return out.String(), errb.String(), err
}

func TestReportCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	_, stderr, err := runReportCmd(t, pcaps+"https-h2.pcap.gz", "--trace", pcaps+"https-h2.trace", "--keylog", pcaps+"https-h2.keys", "-q", "-w", path)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="segscope-analysis"`, `id="segscope-explain"`, `id="segscope-map-0"`, `id="segscope-plot"`, "Content-Security-Policy"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if !strings.Contains(stderr, "wrote "+path) {
		t.Errorf("stderr %q", stderr)
	}
	// A trace of another transfer: the page is written, with why, and the
	// command fails as explain does.
	other := filepath.Join(t.TempDir(), "other.html")
	_, _, err = runReportCmd(t, pcaps+"snaplen96.pcap", "--trace", pcaps+"python-server.trace", "-q", "-w", other)
	if err == nil || !strings.Contains(err.Error(), "different transfers") {
		t.Errorf("a trace of another transfer: %v", err)
	}
	if _, serr := os.Stat(other); serr != nil {
		t.Errorf("the page of a refused trace: %v", serr)
	}
	// - writes to standard output; --conn picks the connections.
	stdout, stderr, err := runReportCmd(t, pcaps+"mtu1440-ts.pcap.gz", "--conn", "0", "-q", "-w", "-")
	if err != nil || !strings.HasPrefix(stdout, "<!DOCTYPE html>") || !strings.Contains(stdout, `"chosen_by":"conn"`) {
		t.Errorf("-w -: %v, %q, stdout %.80q", err, stderr, stdout)
	}
}

func TestReportCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{pcaps + "mtu1440-ts.pcap.gz"},                           // no -w
		{pcaps + "mtu1440-ts.pcap.gz", "--conn", "x", "-w", "-"}, // bad ID
		{"-w", "-"}, // no capture
		// -o is the format everywhere: the old '-o FILE' (and '-o json',
		// which once wrote an HTML file named json) is refused.
		{pcaps + "mtu1440-ts.pcap.gz", "-o", "json"},
		{pcaps + "mtu1440-ts.pcap.gz", "-o", "page.html"},
	} {
		_, _, err := runReportCmd(t, args...)
		if err == nil || !isUsageError(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// TestOutputOverInput: the page or the --html file named as one of the
// inputs (the capture, the trace, a key log; also through another path)
// is refused, and the input is left as it was (review round 8: the capture
// became an HTML page).
func TestOutputOverInput(t *testing.T) {
	dir := t.TempDir()
	inputs := map[string]string{"in.pcap.gz": pcaps + "mtu1440-ts.pcap.gz", "in.trace": pcaps + "mtu1440-ts.trace"}
	for name, src := range inputs {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	capPath, trace := filepath.Join(dir, "in.pcap.gz"), filepath.Join(dir, "in.trace")
	link := filepath.Join(dir, "link.pcap.gz")
	if err := os.Symlink(capPath, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"report", capPath, "-q", "-w", capPath},
		{"report", capPath, "--trace", trace, "-q", "-w", trace},
		{"report", capPath, "-q", "-w", link},
		{"explain", "-q", "--trace", trace, capPath, "--html", trace},
		{"explain", "-q", "--trace", trace, capPath, "--html", capPath},
	} {
		var out, errb bytes.Buffer
		code := run(c, strings.NewReader(""), &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), "refusing to write over it") {
			t.Errorf("%v: exit %d, %q", c, code, errb.String())
		}
	}
	for name, src := range inputs {
		want, _ := os.ReadFile(src)
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s was written over", name)
		}
	}
}
