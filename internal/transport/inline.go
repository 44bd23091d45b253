package transport

// Inline writes: the write lock (Conn.wmu) makes "the writer" whoever holds
// it, so that a call's goroutine whose frames finish a call, or answer what
// its stream just received, can write and flush them itself when the writer
// goroutine is idle, instead of queueing them and waking that goroutine.
// One call at a time on a connection (unary with one caller, a ping-pong
// stream) is then answered without a hand-off between goroutines: the
// frames leave in the writev of the goroutine that made them. Neither
// grpc-go's loopy writer nor x/net's server does this; their frames always
// go through the writing goroutine.
//
// Exactly one goroutine writes a connection's frames at a time, still: the
// writer goroutine holds the write lock from the moment it wakes until it
// has flushed, and an inline writer only ever TryLocks it, so it never
// waits for the writer goroutine, and writes nothing if the lock is taken.
// An inline writer first handles whatever others queued before it (their
// frames go first, in order), then its own requests, then flushes, through
// the same code as the writer goroutine (drain), so that windows, the
// scheduler's lists, the HPACK encoder and the observer see one writer.
//
// Only a connection with at most one open stream writes inline: with more,
// other calls are about to write too, and their frames leaving in the
// writer goroutine's next batch, one writev for many calls, is what a busy
// connection needs. A stream of messages (one side sending many in a row)
// writes only its first inline: the later ones answer nothing and go to the
// writer goroutine, which batches them.

// inlineCandidate reports whether a write on s of n DATA bytes, ending the
// stream or not, should try to go inline: the connection has no other open
// stream, the data is small, and the write ends the stream or answers what
// the stream received since its last write.
func (s *Stream) inlineCandidate(n int, end bool) bool {
	if n > maxInlineData || s.conn.nopen.Load() > 1 {
		return false
	}
	answer := s.answer.Swap(false)
	return answer || end
}

// writeInline writes reqs on the calling goroutine if the write lock is
// free: what others queued first, then reqs, then a flush. It reports false,
// having done nothing, when the lock is taken, the preface has not been
// written yet, or the connection is ending; the caller then queues reqs.
// A write failure, once reqs were taken, still reports true: the
// connection's shutdown fails the streams, as it would have had the writer
// goroutine written them.
func (c *Conn) writeInline(reqs []writeReq) bool {
	if !c.wmu.TryLock() {
		return false
	}
	defer c.wmu.Unlock()
	w := &c.w
	if !w.started || w.err != nil {
		return false
	}
	items, open := c.q.take(nil)
	if !open {
		w.closeDone(items)
		return false
	}
	for i := range items {
		if w.err != nil {
			w.closeDone(items[i:])
			return false
		}
		w.handle(&items[i])
	}
	for i := range reqs {
		if w.err != nil {
			w.closeDone(reqs[i:])
			return true
		}
		w.handle(&reqs[i])
	}
	w.drain(items, false)
	return true
}
