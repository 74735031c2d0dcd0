package report

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendRFC3339Nano(t *testing.T) {
	vals := []int64{1, 999, 1e9, 1e9 + 1, 951782400e9, 1767225600123456789, 1709164800e9 + 5e8}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		vals = append(vals, r.Int64N(1<<63-1)+1)
	}
	for _, ns := range vals {
		want := time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
		if got := string(appendRFC3339Nano(nil, ns)); got != want {
			t.Fatalf("%d: %s, want %s", ns, got, want)
		}
	}
}
