package capture

import (
	"cmp"
	"slices"
)

// TimeOrder sorts capture files by the time of their first packet (a
// file that cannot be read, or without packets, keeps its place among
// the others' order); with standard input among them nothing moves. It
// tells whether the order changed.
func TimeOrder(paths []string) ([]string, bool) {
	if len(paths) < 2 || slices.Contains(paths, "-") {
		return paths, false
	}
	type file struct {
		path  string
		first int64
		ok    bool
	}
	files := make([]file, len(paths))
	for i, p := range paths {
		files[i].path = p
		if src, err := Open(p); err == nil {
			if pk, err := src.ReadPacket(); err == nil {
				files[i].first, files[i].ok = pk.Timestamp.UnixNano(), true
			}
			src.Close()
		}
	}
	// Insertion by time among the files that have one; the others stay.
	var timed []file
	for _, f := range files {
		if f.ok {
			timed = append(timed, f)
		}
	}
	slices.SortStableFunc(timed, func(a, b file) int { return cmp.Compare(a.first, b.first) })
	out := make([]string, len(paths))
	moved, k := false, 0
	for i, f := range files {
		if f.ok {
			f = timed[k]
			k++
		}
		out[i] = f.path
		moved = moved || out[i] != paths[i]
	}
	return out, moved
}
