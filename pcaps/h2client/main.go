// Command h2client fetches URLs over cleartext HTTP/2 with prior knowledge
// (h2c, no Upgrade) on one connection, all requests at once, for
// pcaps/make.sh: curl 7.88.1 can not reuse a prior-knowledge connection
// (curl issue 10634, fixed in 8.0.0), so it can not make a two-stream h2c
// capture.
//
//	h2client URL OUTFILE [URL OUTFILE ...]
//
// Standard library only: net/http's Transport with Protocols set to
// unencrypted HTTP/2 alone. It prints one line per response.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 || len(args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: h2client URL OUTFILE [URL OUTFILE ...]")
		os.Exit(2)
	}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p, MaxConnsPerHost: 1}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	var wg sync.WaitGroup
	errs := make([]error, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		wg.Add(1)
		go func(k int, url, out string) {
			defer wg.Done()
			errs[k] = fetch(client, url, out)
		}(i/2, args[i], args[i+1])
	}
	wg.Wait()
	tr.CloseIdleConnections()
	failed := false
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "h2client:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func fetch(client *http.Client, url, out string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	if resp.ProtoMajor != 2 {
		return fmt.Errorf("%s: got %s, want HTTP/2", url, resp.Proto)
	}
	fmt.Printf("%s %s %d, %d bytes\n", url, resp.Proto, resp.StatusCode, n)
	return nil
}
