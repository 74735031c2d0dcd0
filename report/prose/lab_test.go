package prose

import "testing"

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		n, of int
		want  string
	}{{0, 0, "-"}, {0, 10, "0%"}, {1, 760, "<1%"}, {4, 760, "1%"}, {750, 760, "99%"}, {760, 760, "100%"}} {
		if got := Percent(tc.n, tc.of); got != tc.want {
			t.Errorf("Percent(%d, %d) = %q, want %q", tc.n, tc.of, got, tc.want)
		}
	}
}
