package transport

import (
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// reqKind is the kind of a request to the writer goroutine.
type reqKind uint8

const (
	reqHeaders      reqKind = iota + 1 // HEADERS (+CONTINUATION) on s; end = END_STREAM
	reqOpen                            // client: assign s an id and write its request HEADERS
	reqData                            // DATA on s, split by window and MAX_FRAME_SIZE
	reqRST                             // RST_STREAM(code) on s (or on stream n when s is nil); with ack set, s was reset by the peer: drop its queue, write nothing
	reqWindowUpdate                    // WINDOW_UPDATE(n) on s, or on the connection when s is nil
	reqPeerWindow                      // the peer granted n bytes on s, or on the connection when s is nil
	reqPeerSettings                    // apply the peer's settings and write SETTINGS ACK
	reqPing                            // PING (ack or not) with ping data
	reqGoAway                          // GOAWAY(n, code, debug); done is closed once it is flushed
	reqKick                            // re-check client streams waiting for a free slot
	reqFlush                           // close done once everything queued before is flushed
	reqClose                           // flush, then close the connection (it has drained)
)

// writeReq is one request to the writer. Requests travel by value in the
// queue's slice so that queueing allocates nothing.
type writeReq struct {
	kind     reqKind
	end      bool // END_STREAM
	ack      bool // PING ACK
	ctl      bool // an answer to the peer, counted in Conn.pendingControl
	code     http2.ErrCode
	n        uint32
	s        *Stream
	fields   []hpack.HeaderField
	data     []byte
	buf      *[]byte // pooled backing of data, released once written or dropped
	ping     [8]byte
	debug    []byte
	settings []http2.Setting
	done     chan struct{}
}

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

// maxKeptQueue bounds the capacity of the request slice the queue keeps
// between batches.
const maxKeptQueue = 64

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
