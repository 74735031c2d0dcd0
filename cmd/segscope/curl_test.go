package main

import "testing"

// TestFollowsRedirects: -L anywhere in curl's options, also in a cluster,
// widens the capture to every port; an option's value is not an option.
func TestFollowsRedirects(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"-L", "http://h/"}, true},
		{[]string{"-sSL", "-o", "/dev/null", "http://h/"}, true},
		{[]string{"--location-trusted", "http://h/"}, true},
		{[]string{"-sS", "-o", "-L", "http://h/"}, false}, // -o's value is a file named -L
		{[]string{"-oL", "http://h/"}, false},             // likewise, in the cluster
		{[]string{"-H", "X-L: 1", "http://h/L"}, false},
		{[]string{"--header", "-L", "http://h/"}, false},
		{[]string{"http://h/", "--", "-L"}, false},
	} {
		line, err := parseCurlLine(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := followsRedirects(line); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.args, got, tc.want)
		}
	}
}
