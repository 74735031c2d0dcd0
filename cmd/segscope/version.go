package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the build information.
var version = ""

func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	v, why := describeBuild(version, bi)
	s := fmt.Sprintf("segscope %s %s %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if why != "" {
		s += " (" + why + ")"
	}
	return s
}

// noBuildVersion is why describeBuild says only "devel".
const noBuildVersion = "no version or commit recorded: built with -buildvcs=false, by go run, or where go build found no git repository"

// describeBuild says which segscope this is, from the best source there
// is:
//   - the version set with -ldflags -X main.version;
//   - the module's version: a release installed with go install
//     ...@v1.2.3, or a build at a tagged commit (v1.2.3, v1.2.3+dirty);
//   - the commit built, its time, and +dirty when the tree had changes,
//     from the vcs.* settings go build records in a git clone. Go also
//     makes a pseudo-version of them (v0.0.0-20260301120000-0123456789ab),
//     which says the same less readably;
//   - otherwise devel, and (in why) why there is nothing more.
func describeBuild(ldflag string, bi *debug.BuildInfo) (v, why string) {
	if ldflag != "" {
		return ldflag, ""
	}
	if bi == nil {
		return "devel", noBuildVersion
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	short := rev[:min(len(rev), 12)] // as in Go's pseudo-versions
	v = bi.Main.Version
	pseudo := rev != "" && strings.Contains(v, short)
	if v != "" && v != "(devel)" && !pseudo {
		return v, ""
	}
	if rev == "" {
		return "devel", noBuildVersion
	}
	v = "devel " + short
	if dirty {
		v += "+dirty"
	}
	if at != "" {
		v += " " + at
	}
	return v, ""
}

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print segscope's version",
		Long: `Version prints segscope's version, the Go release that built it and the platform.
The version is the module's for a release (go install ...@v1.2.3, or a build at a
tagged commit); otherwise the commit built, its time and +dirty if the tree had
changes, as go build records them in a git clone; otherwise "devel" and why.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(s.out, versionString())
			return err
		},
	}
}
