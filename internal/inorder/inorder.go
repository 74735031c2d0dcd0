// Package inorder hands values over in the order of their sequence
// numbers (0, 1, 2, ...), whatever order they arrive in: a value waits
// until every earlier one has been handed over. It is what keeps work
// done on several goroutines in one order (analyze's ended connections,
// report's encoded ones). It is not safe for concurrent use: one
// goroutine puts.
package inorder

// Queue holds the values that came before their turn.
type Queue[T any] struct {
	held map[int]T
	next int
}

// Put gives the value with sequence number seq, and hands it, then every
// held value whose turn has come, to emit.
func (q *Queue[T]) Put(seq int, v T, emit func(T)) {
	if q.held == nil {
		q.held = map[int]T{}
	}
	q.held[seq] = v
	for {
		v, ok := q.held[q.next]
		if !ok {
			return
		}
		delete(q.held, q.next)
		q.next++
		emit(v)
	}
}

// Held is how many values wait for an earlier one.
func (q *Queue[T]) Held() int { return len(q.held) }
