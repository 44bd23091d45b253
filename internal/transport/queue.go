package transport

import (
	"sync"
)

// queue hands requests to the writer. Producers append under mu and wake the
// writer when the queue goes from empty to non-empty; the writer takes the
// whole slice at once and hands back the previous one for reuse.
type queue struct {
	mu     sync.Mutex
	items  []writeReq
	spare  []writeReq
	closed bool
	wake   chan struct{} // capacity 1
}

func (q *queue) init() { q.wake = make(chan struct{}, 1) }

// push1 queues one request; it fails once the connection is closing.
func (q *queue) push1(r writeReq) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errQueueClosed
	}
	wasEmpty := len(q.items) == 0
	q.items = append(q.items, r)
	q.mu.Unlock()
	if wasEmpty {
		q.signal()
	}
	return nil
}

// pushN queues several requests atomically, so the writer sees them in this
// order with nothing between them.
func (q *queue) pushN(rs ...writeReq) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errQueueClosed
	}
	wasEmpty := len(q.items) == 0
	q.items = append(q.items, rs...)
	q.mu.Unlock()
	if wasEmpty {
		q.signal()
	}
	return nil
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued (possibly nothing) and whether the queue is
// still open. done is the slice the writer finished with, kept for reuse.
func (q *queue) take(done []writeReq) ([]writeReq, bool) {
	q.mu.Lock()
	items := q.items
	if cap(done) > maxKeptQueue {
		done = nil // a burst's slice is let go, so an idle connection keeps a small one
	}
	if done != nil {
		clear(done[:cap(done)])
		q.items = done[:0]
	} else {
		q.items = q.spare
		q.spare = nil
	}
	open := !q.closed
	q.mu.Unlock()
	return items, open
}

// empty reports whether nothing is queued.
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) == 0
}

// wait blocks until something is queued or the queue closes.
func (q *queue) wait() {
	<-q.wake
}

// close makes further pushes fail and wakes the writer so that it exits.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}
