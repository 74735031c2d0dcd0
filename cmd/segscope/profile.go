package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// startProfiles starts the profiles the environment asks for
// (SEGSCOPE_CPUPROFILE=FILE, SEGSCOPE_MEMPROFILE=FILE: pprof's formats, for
// `go tool pprof`), so a slow run on someone's capture can be looked into
// without a special build. The function it returns writes them.
func startProfiles(stderr io.Writer) func() {
	var stop []func()
	if path := os.Getenv("SEGSCOPE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "segscope: SEGSCOPE_CPUPROFILE: %v\n", err)
		} else {
			stop = append(stop, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if path := os.Getenv("SEGSCOPE_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = 64 << 10
		write := func(profile string) {
			f, err := os.Create(path)
			if err == nil {
				err = pprof.Lookup(profile).WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "segscope: SEGSCOPE_MEMPROFILE: %v\n", err)
			}
		}
		if at := os.Getenv("SEGSCOPE_MEMPROFILE_AT"); at != "" {
			// The heap in use at one moment of the run: by the end, a
			// streaming run has freed what it held at its peak.
			d, err := time.ParseDuration(at)
			if err != nil {
				fmt.Fprintf(stderr, "segscope: SEGSCOPE_MEMPROFILE_AT: %v\n", err)
			} else {
				t := time.AfterFunc(d, func() { write("heap") })
				stop = append(stop, func() { t.Stop() })
			}
		} else {
			stop = append(stop, func() { write("allocs") })
		}
	}
	return func() {
		for _, s := range stop {
			s()
		}
	}
}
