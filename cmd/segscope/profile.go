package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
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
		stop = append(stop, func() {
			f, err := os.Create(path)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(stderr, "segscope: SEGSCOPE_MEMPROFILE: %v\n", err)
			}
		})
	}
	return func() {
		for _, s := range stop {
			s()
		}
	}
}
