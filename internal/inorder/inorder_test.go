package inorder

import (
	"slices"
	"testing"
)

// TestQueue: values put out of order come out in sequence order, each
// once, as soon as every earlier one has come.
func TestQueue(t *testing.T) {
	var q Queue[string]
	var out []string
	emit := func(s string) { out = append(out, s) }
	q.Put(2, "c", emit)
	q.Put(1, "b", emit)
	if len(out) != 0 || q.Held() != 2 {
		t.Fatalf("before 0: out %v, held %d", out, q.Held())
	}
	q.Put(0, "a", emit)
	if !slices.Equal(out, []string{"a", "b", "c"}) || q.Held() != 0 {
		t.Fatalf("after 0: out %v, held %d", out, q.Held())
	}
	q.Put(4, "e", emit)
	q.Put(3, "d", emit)
	if !slices.Equal(out, []string{"a", "b", "c", "d", "e"}) {
		t.Fatalf("out %v", out)
	}
}
