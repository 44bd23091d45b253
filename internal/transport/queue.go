package transport

import (
	"math/bits"
	"sync"
)

// queue hands requests to the writer. Producers append under mu and wake the
// writer when the queue goes from empty to non-empty; whoever holds the
// write lock (the writer goroutine, or an inline writer, inline.go) takes
// the whole slice at once and hands back the previous one for reuse.
//
// Slices longer than maxKeptQueue come from, and go back to, pools shared
// by all connections (reqPools): a stream of small messages fills hundreds
// of requests between two flushes, and growing a slice to that size again
// after every flush was a fifth of such a server's time, while keeping it
// per connection would make every idle connection that once streamed hold
// it. A connection that goes idle lets its large slices go to the pools
// (which the garbage collector empties), and remembers how large its last
// busy spell's batches were, so that the next one takes a slice of that
// size at once instead of growing into it.
type queue struct {
	mu      sync.Mutex
	items   []writeReq
	spare   []writeReq // a taken slice handed back, for the next take
	closed  bool
	wake    chan struct{} // capacity 1
	hint    int           // the largest batch of the last busy spell
	busyMax int           // the largest batch since the writer last went idle
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
	if len(q.items) == cap(q.items) {
		q.growLocked(1)
	}
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
	if len(q.items)+len(rs) > cap(q.items) {
		q.growLocked(len(rs))
	}
	q.items = append(q.items, rs...)
	q.mu.Unlock()
	if wasEmpty {
		q.signal()
	}
	return nil
}

// growLocked makes room for n more requests: below maxKeptQueue append's
// own growth does, above it a pooled slice of twice the size (or of the
// last busy spell's batch size) replaces the full one.
func (q *queue) growLocked(n int) {
	need := len(q.items) + n
	want := max(2*cap(q.items), need, q.hint)
	if want <= maxKeptQueue {
		return
	}
	s := getReqs(want)
	s = append(s, q.items...)
	putReqs(q.items)
	q.items = s
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued (nil when nothing is) and whether the
// queue is still open. done is the slice the caller finished with (nil for
// none), kept for reuse.
func (q *queue) take(done []writeReq) ([]writeReq, bool) {
	clear(done)
	q.mu.Lock()
	items := q.items
	open := !q.closed
	if len(items) == 0 {
		if done != nil {
			if q.spare == nil {
				q.spare = done[:0]
			} else {
				putReqs(done)
			}
		}
		q.mu.Unlock()
		return nil, open
	}
	q.busyMax = max(q.busyMax, len(items))
	if done != nil {
		q.items = done[:0]
	} else {
		q.items = q.spare
		q.spare = nil
	}
	q.mu.Unlock()
	return items, open
}

// trim lets slices larger than maxKeptQueue go back to the pools, so that
// an idle connection does not keep a burst's: the writer calls it before it
// waits. The busy spell's largest batch becomes the hint for the next.
func (q *queue) trim() {
	q.mu.Lock()
	if len(q.items) == 0 && cap(q.items) > maxKeptQueue {
		putReqs(q.items)
		q.items = nil
	}
	if cap(q.spare) > maxKeptQueue {
		putReqs(q.spare)
		q.spare = nil
	}
	q.hint, q.busyMax = q.busyMax, 0
	if q.hint <= maxKeptQueue {
		q.hint = 0
	}
	q.mu.Unlock()
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

// reqPools hold request slices of 2*maxKeptQueue entries and more, by
// power-of-two capacity, each behind a *reqSlice so that Put does not
// allocate; a request has pointers, so a pooled slice is always cleared.
var reqPools [8]sync.Pool

type reqSlice struct{ s []writeReq }

// reqClass is the pool of the smallest class holding n requests, or -1
// when n is beyond them.
func reqClass(n int) int {
	c := bits.Len(uint(n-1)) - bits.Len(uint(maxKeptQueue))
	if c < 0 {
		c = 0
	}
	if c >= len(reqPools) {
		return -1
	}
	return c
}

// getReqs returns an empty slice with room for at least n requests.
func getReqs(n int) []writeReq {
	c := reqClass(n)
	if c < 0 {
		return make([]writeReq, 0, n)
	}
	if v, _ := reqPools[c].Get().(*reqSlice); v != nil {
		s := v.s
		v.s = nil
		boxes.Put(v)
		return s
	}
	return make([]writeReq, 0, 2*maxKeptQueue<<c)
}

// boxes keeps the *reqSlice holders for reuse.
var boxes sync.Pool

// putReqs clears s and gives it to its pool, if its capacity is a class's.
func putReqs(s []writeReq) {
	if cap(s) <= maxKeptQueue {
		return
	}
	c := reqClass(cap(s))
	if c < 0 || 2*maxKeptQueue<<c != cap(s) {
		return
	}
	clear(s)
	v, _ := boxes.Get().(*reqSlice)
	if v == nil {
		v = new(reqSlice)
	}
	v.s = s[:0]
	reqPools[c].Put(v)
}
