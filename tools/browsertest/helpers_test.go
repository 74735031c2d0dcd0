package browsertest

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/segscope/segscope/analyze"
	"github.com/segscope/segscope/capture"
	"github.com/segscope/segscope/curltrace"
	"github.com/segscope/segscope/explain"
	"github.com/segscope/segscope/keylog"
	"github.com/segscope/segscope/report/htmlreport"
)

// pcaps are the repository's captures.
const pcaps = "../../pcaps/"

// input analyzes captures (keeping every segment) and explains the trace
// against them, as `segscope report` does.
func input(t testing.TB, captures []string, trace, keys string) htmlreport.Input {
	t.Helper()
	ks := &keylog.Store{}
	if keys != "" {
		if err := ks.LoadFile(keys); err != nil {
			t.Fatal(err)
		}
	}
	a := analyze.New(analyze.Options{KeepSegments: func(*analyze.Connection) bool { return true }, MaxUnits: math.MaxInt32, Keys: ks})
	for _, p := range captures {
		src, err := capture.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ReadAll(src); err != nil {
			t.Fatal(err)
		}
		src.Close()
	}
	in := htmlreport.Input{Capture: a.Result()}
	if trace != "" {
		in.Explain = explain.Explain(readTrace(t, trace), in.Capture)
	}
	return in
}

func readTrace(t testing.TB, path string) *curltrace.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := curltrace.Parse(f, path)
	if err != nil && (tr == nil || len(tr.Events) == 0) {
		t.Fatal(err)
	}
	return tr
}

func recvData(tr *curltrace.Trace) int {
	n := 0
	for _, e := range tr.Events {
		if e.Kind == curltrace.RecvData {
			n++
		}
	}
	return n
}

func page(t testing.TB, in htmlreport.Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := htmlreport.Write(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
