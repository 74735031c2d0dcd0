package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/segscope/segscope/capture"
)

// showProgress prints how much of src has been read, on one line of a
// terminal, until the returned stop function is called.
func showProgress(w io.Writer, src *capture.File) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-tick.C:
				read, total := src.Progress()
				fmt.Fprintf(w, "\r\033[K%s", progressLine(src.Name(), read, total))
				shown = true
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

func progressLine(name string, read, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("reading %s: %s", name, mib(read))
	}
	return fmt.Sprintf("reading %s: %3.0f%% (%s of %s)", name, 100*float64(read)/float64(total), mib(read), mib(total))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
