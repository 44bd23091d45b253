package transport

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"runtime"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
	"grpcwire/observe"
)

// writer is the connection's one writing goroutine and the state it owns.
type writer struct {
	c    *Conn
	bw   batchWriter
	fr   *http2.Framer // writes only
	henc *hpack.Encoder
	hbuf bytes.Buffer

	connWindow        int64  // bytes we may still send on the connection
	peerInitWindow    int64  // the peer's SETTINGS_INITIAL_WINDOW_SIZE
	maxFrame          uint32 // the peer's SETTINGS_MAX_FRAME_SIZE
	peerMaxHeaderList uint32 // the peer's SETTINGS_MAX_HEADER_LIST_SIZE; 0 = unlimited

	ready   []*Stream // streams with queued data and send window, round robin
	stalled []*Stream // streams with queued data and no stream window
	waiting []*Stream // client streams waiting for a free slot (MAX_CONCURRENT_STREAMS)
	nextID  uint32    // the next client stream id
	settled bool      // the peer's first SETTINGS have been applied

	err    error   // the write error that ended the writer
	hdrBuf [9]byte // a DATA frame header being written
}

// maxStreamID is the largest stream id (RFC 9113 §5.1.1: 31 bits).
const maxStreamID = 1<<31 - 1

func (w *writer) init(c *Conn) {
	w.c = c
	w.bw.nc = c.nc
	w.bw.size = c.cfg.WriteBufferSize
	w.fr = http2.NewFramer(&w.bw, nil)
	w.henc = hpack.NewEncoder(&w.hbuf)
	w.connWindow = rfcInitialWindowSize
	w.peerInitWindow = rfcInitialWindowSize
	w.maxFrame = rfcMaxFrameSize
	w.nextID = 1
	c.nextLocalID.Store(1)
}

// loop is the writer goroutine: it writes the preface, then processes queued
// requests, writes whatever data the windows allow, and flushes when there
// is nothing left to do, before sleeping until something is queued.
func (w *writer) loop() {
	defer close(w.c.wdone)
	defer w.drop()
	if err := w.writePreface(); err != nil {
		w.fail(err)
		return
	}
	var prev []writeReq
	yielded := false
	for {
		items, open := w.c.q.take(prev)
		prev = items
		if !open {
			w.closeDone(items)
			return
		}
		for i := range items {
			if w.err != nil {
				w.closeDone(items[i:])
				return
			}
			w.handle(&items[i])
		}
		if w.err != nil {
			return
		}
		if len(w.ready) > 0 && w.connWindow > 0 {
			w.writeReady()
			continue
		}
		if len(items) > 0 {
			yielded = false
			continue // look again before flushing: more may have come
		}
		if !yielded && w.bw.buffered() > 0 && w.bw.buffered() < minBatch {
			// A small batch: give the goroutines that are about to queue
			// frames one chance to run first, so that they leave in the
			// same write. One syscall per batch instead of per call is most
			// of what a busy connection costs.
			yielded = true
			runtime.Gosched()
			continue
		}
		yielded = false
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
			return
		}
		w.c.q.wait()
	}
}

// minBatch is the buffered size under which the writer yields once before
// flushing (grpc-go's loopy writer does the same with the same bound).
const minBatch = 1000

// fail ends the connection after a write error.
func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.c.shutdown(fmt.Errorf("write failed: %w", err))
}

// connError ends the connection because of an error the writer found in the
// peer's behaviour: GOAWAY with code, then shutdown.
func (w *writer) connError(code http2.ErrCode, debug string, err error) {
	c := w.c
	w.writeGoAway(c.markGoAway(), code, []byte(debug))
	c.log.Info("grpcwire: closing connection", "remote", c.nc.RemoteAddr().String(), "code", code.String(), "reason", debug)
	if w.err == nil {
		w.err = err
	}
	c.shutdown(err)
}

// closeDone closes the done channels of requests that will never be written,
// so that nobody waits for them, and fails the streams whose opening was
// still queued: nobody else would ever end them.
func (w *writer) closeDone(items []writeReq) {
	for i := range items {
		r := &items[i]
		if r.done != nil {
			close(r.done)
		}
		if r.kind == reqOpen {
			w.abortUnopened(r.s)
		}
		bufpool.Put(r.buf)
	}
}

// abortUnopened fails a client stream that never got its id because the
// connection ended first. Its HEADERS never left, so the peer cannot have
// processed it: the error matches ErrUnprocessed and the call may be sent
// again on another connection.
func (w *writer) abortUnopened(s *Stream) {
	err := w.c.Err()
	if err == nil {
		err = errClosedLocally
	}
	s.abort(fmt.Errorf("%w: %w", ErrUnprocessed, &ConnError{Err: err}))
}

// drop releases what the writer still holds when it exits.
func (w *writer) drop() {
	for {
		items, _ := w.c.q.take(nil)
		if len(items) == 0 {
			break
		}
		w.closeDone(items)
	}
	for _, list := range [][]*Stream{w.ready, w.stalled, w.waiting} {
		for _, s := range list {
			w.dropQueued(s)
		}
	}
	for _, s := range w.waiting {
		w.abortUnopened(s)
	}
	w.bw.release()
}

func (w *writer) writePreface() error {
	c := w.c
	if !c.isServer {
		if _, err := w.bw.Write([]byte(http2.ClientPreface)); err != nil {
			return err
		}
	}
	settings := []http2.Setting{
		{ID: http2.SettingInitialWindowSize, Val: c.cfg.InitialWindowSize},
		{ID: http2.SettingMaxFrameSize, Val: c.cfg.MaxFrameSize},
		{ID: http2.SettingMaxHeaderListSize, Val: c.cfg.MaxHeaderListSize},
	}
	if !c.isServer {
		// RFC 9113 §8.4: a client that will not accept pushes says so.
		settings = append(settings, http2.Setting{ID: http2.SettingEnablePush, Val: 0})
	}
	if c.cfg.MaxConcurrentStreams > 0 {
		settings = append(settings, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.cfg.MaxConcurrentStreams})
	}
	if err := w.fr.WriteSettings(settings...); err != nil {
		return err
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameSettings, 0, 0, uint32(6*len(settings))), Settings: settings})
	}
	if incr := c.cfg.ConnWindowSize - rfcInitialWindowSize; incr > 0 {
		if err := w.writeWindowUpdate(0, incr); err != nil {
			return err
		}
	}
	return nil
}

// handle processes one request.
func (w *writer) handle(r *writeReq) {
	if r.ctl {
		w.c.pendingControl.Add(-1)
	}
	switch r.kind {
	case reqHeaders:
		s := r.s
		if s.state.Load()&stReset != 0 {
			return
		}
		if !s.opened || w.queuedLen(s) > 0 {
			w.enqueue(s, r)
			if s.opened {
				w.schedule(s)
			}
			return
		}
		w.writeStreamHeaders(s, r.fields, r.end)
	case reqOpen:
		w.open(r)
	case reqData:
		s := r.s
		if s.state.Load()&stReset != 0 {
			s.release(len(r.data))
			bufpool.Put(r.buf)
			return
		}
		if s.opened && w.queuedLen(s) == 0 && w.writeNow(s, r) {
			return
		}
		w.enqueue(s, r)
		if s.opened && !s.inReady && !s.stalled {
			w.schedule(s)
		}
	case reqRST:
		switch {
		case r.s == nil:
			w.writeRST(r.n, r.code)
		case r.ack:
			w.dropQueued(r.s)
			w.unlist(r.s)
		default:
			w.writeReset(r.s, r.code)
		}
	case reqWindowUpdate:
		var id uint32
		if r.s != nil {
			id = r.s.ID()
			if id == 0 || r.s.state.Load()&(stRecvEnd|stReset) != 0 {
				return // nothing more will arrive on it
			}
		}
		if err := w.writeWindowUpdate(id, r.n); err != nil {
			w.fail(err)
		}
	case reqPeerWindow:
		w.peerWindow(r.s, r.n)
	case reqPeerSettings:
		w.peerSettings(r.settings)
	case reqPing:
		if err := w.fr.WritePing(r.ack, r.ping); err != nil {
			w.fail(err)
			return
		}
		if w.c.observing() {
			var fl http2.Flags
			if r.ack {
				fl = http2.FlagPingAck
			}
			w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FramePing, fl, 0, 8), Ping: r.ping})
		}
	case reqGoAway:
		if err := w.writeGoAway(r.n, r.code, r.debug); err != nil {
			w.fail(err)
		}
		if r.done != nil {
			close(r.done)
		}
		if r.end {
			// GOAWAY then close: the connection is being closed on purpose.
			w.c.shutdown(errClosedLocally)
		}
	case reqKick:
		w.openWaiting()
	case reqClose:
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
			return
		}
		w.c.shutdown(errDrained)
	case reqFlush:
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
		}
		if r.done != nil {
			close(r.done)
		}
	}
}

// writeNow writes a DATA request of at most one frame at once, when the
// windows allow it all: the common case of a small message, which then needs
// no trip through the stream's queue. It reports whether it wrote it.
func (w *writer) writeNow(s *Stream, r *writeReq) bool {
	n := int64(len(r.data))
	if n > int64(w.maxFrame) || n > w.window(s) || n > w.connWindow {
		return false
	}
	w.writeData(s, r.data, r.end)
	s.sent += n
	w.connWindow -= n
	s.release(int(n))
	w.bw.hold(r.buf)
	if r.end {
		w.endedLocal(s)
	}
	return true
}

// writeGoAway writes GOAWAY and flushes at once: the peer should learn of
// it before anything else happens to the connection.
func (w *writer) writeGoAway(last uint32, code http2.ErrCode, debug []byte) error {
	if err := w.fr.WriteGoAway(last, code, debug); err != nil {
		return err
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameGoAway, 0, 0, uint32(8+len(debug))), LastStreamID: last, ErrCode: code, DebugData: debug})
	}
	return w.bw.Flush()
}

// queuedLen is how many requests wait in s's queue.
func (w *writer) queuedLen(s *Stream) int { return len(s.wq) - s.wqHead }

func (w *writer) enqueue(s *Stream, r *writeReq) {
	if s.wqHead > 0 && s.wqHead == len(s.wq) {
		clear(s.wq)
		s.wq = s.wq[:0]
		s.wqHead = 0
	}
	s.wq = append(s.wq, *r)
}

// window is what s may still send, by its own window.
func (w *writer) window(s *Stream) int64 { return w.peerInitWindow + s.incr - s.sent }

// schedule puts s in the ready list if it has stream window, else in the
// stalled list until a WINDOW_UPDATE or SETTINGS makes room.
func (w *writer) schedule(s *Stream) {
	if w.queuedLen(s) == 0 || s.inReady || s.stalled {
		return
	}
	if w.window(s) > 0 || w.headOfQueueIsFree(s) {
		s.inReady = true
		w.ready = append(w.ready, s)
	} else {
		s.stalled = true
		w.stalled = append(w.stalled, s)
	}
}

// headOfQueueIsFree reports whether s's next request needs no window:
// headers, or an empty DATA frame.
func (w *writer) headOfQueueIsFree(s *Stream) bool {
	r := &s.wq[s.wqHead]
	return r.kind == reqHeaders || len(r.data) == 0
}

// writeReady writes DATA for the ready streams in turn, one frame each per
// round, until the connection window or a budget runs out; then the loop
// looks at the queue again, so control frames are never stuck behind bulk
// data.
func (w *writer) writeReady() {
	budget := 4 * int64(w.maxFrame)
	if budget < 64<<10 {
		budget = 64 << 10
	}
	for len(w.ready) > 0 && budget > 0 && w.err == nil {
		s := w.ready[0]
		copy(w.ready, w.ready[1:])
		w.ready[len(w.ready)-1] = nil
		w.ready = w.ready[:len(w.ready)-1]
		s.inReady = false
		if w.connWindow <= 0 && !w.headOfQueueIsFree(s) {
			// Keep it for when the connection window opens.
			s.inReady = true
			w.ready = append(w.ready, s)
			return
		}
		budget -= w.writeStream(s)
		w.schedule(s)
	}
}

// writeStream writes s's queued requests in order: headers freely, DATA as
// far as one frame and the windows allow. It returns the DATA bytes written.
func (w *writer) writeStream(s *Stream) int64 {
	if s.state.Load()&stReset != 0 {
		w.dropQueued(s)
		return 0
	}
	var written int64
	for w.queuedLen(s) > 0 && w.err == nil {
		r := &s.wq[s.wqHead]
		if r.kind == reqHeaders {
			fields, end := r.fields, r.end
			*r = writeReq{}
			s.wqHead++
			w.writeStreamHeaders(s, fields, end)
			continue
		}
		// DATA.
		if len(r.data) == 0 {
			if r.end {
				w.writeData(s, nil, true)
			}
			bufpool.Put(r.buf)
			end := r.end
			*r = writeReq{}
			s.wqHead++
			if end {
				w.endedLocal(s)
			}
			continue
		}
		if written > 0 {
			return written // one frame per stream per round
		}
		n := int64(len(r.data))
		n = min(n, w.window(s), w.connWindow, int64(w.maxFrame))
		if n <= 0 {
			return written
		}
		end := r.end && n == int64(len(r.data))
		w.writeData(s, r.data[:n], end)
		r.data = r.data[n:]
		s.sent += n
		w.connWindow -= n
		written += n
		s.release(int(n))
		if len(r.data) == 0 {
			w.bw.hold(r.buf)
			*r = writeReq{}
			s.wqHead++
			if end {
				w.endedLocal(s)
			}
		}
	}
	return written
}

// dropQueued discards s's queued requests, giving back their quota.
func (w *writer) dropQueued(s *Stream) {
	for i := s.wqHead; i < len(s.wq); i++ {
		r := &s.wq[i]
		if r.kind == reqData {
			s.release(len(r.data))
			w.bw.hold(r.buf) // frames of it may be in the batch
		}
		*r = writeReq{}
	}
	s.wq = s.wq[:0]
	s.wqHead = 0
}

// writeStreamHeaders writes a HEADERS block on an open stream.
func (w *writer) writeStreamHeaders(s *Stream, fields []hpack.HeaderField, end bool) {
	if err := w.writeHeaders(s.ID(), fields, end); err != nil {
		if isLocalHeaderError(err) {
			w.c.log.Warn("grpcwire: header block not sent", "stream", s.ID(), "err", err)
			s.abort(err)
			w.writeReset(s, http2.ErrCodeInternal)
			return
		}
		w.fail(err)
		return
	}
	if end {
		w.endedLocal(s)
	}
}

// headerListTooLarge is a header block the peer said it will not accept.
type headerListTooLarge struct{ size, limit uint32 }

func (e headerListTooLarge) Error() string {
	return fmt.Sprintf("grpcwire/transport: header list of %d bytes exceeds the peer's SETTINGS_MAX_HEADER_LIST_SIZE of %d", e.size, e.limit)
}

// Is makes the error match ErrHeaderListTooLarge.
func (e headerListTooLarge) Is(target error) bool { return target == ErrHeaderListTooLarge }

func isLocalHeaderError(err error) bool {
	_, ok := err.(headerListTooLarge)
	return ok
}

// writeHeaders HPACK-encodes fields and writes them as HEADERS plus as many
// CONTINUATION frames as MAX_FRAME_SIZE requires.
func (w *writer) writeHeaders(id uint32, fields []hpack.HeaderField, end bool) error {
	w.noteSent()
	if w.peerMaxHeaderList != 0 {
		var size uint32
		for _, f := range fields {
			size += f.Size()
		}
		if size > w.peerMaxHeaderList {
			return headerListTooLarge{size, w.peerMaxHeaderList}
		}
	}
	w.hbuf.Reset()
	for _, f := range fields {
		if err := w.henc.WriteField(f); err != nil {
			return err
		}
	}
	block := w.hbuf.Bytes()
	first := min(len(block), int(w.maxFrame))
	err := w.fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID:      id,
		BlockFragment: block[:first],
		EndStream:     end,
		EndHeaders:    first == len(block),
	})
	if err != nil {
		return err
	}
	conts := 0
	for rest := block[first:]; len(rest) > 0; conts++ {
		n := min(len(rest), int(w.maxFrame))
		if err := w.fr.WriteContinuation(id, n == len(rest), rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	if w.c.observing() {
		var fl http2.Flags
		if end {
			fl |= http2.FlagHeadersEndStream
		}
		if conts == 0 {
			fl |= http2.FlagHeadersEndHeaders
		}
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameHeaders, fl, id, uint32(len(block))), Fields: fields, Continuations: conts})
	}
	return nil
}

// writeData writes one DATA frame. Its 9-byte header is written by hand so
// the payload goes from the message buffer to the connection buffer in one
// copy.
func (w *writer) writeData(s *Stream, data []byte, end bool) {
	w.noteSent()
	var fl http2.Flags
	if end {
		fl = http2.FlagDataEndStream
	}
	id := s.ID()
	putFrameHeader(w.hdrBuf[:], http2.FrameData, fl, id, uint32(len(data)))
	if _, err := w.bw.Write(w.hdrBuf[:]); err != nil {
		w.fail(err)
		return
	}
	if err := w.bw.writeRef(data); err != nil {
		w.fail(err)
		return
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameData, fl, id, uint32(len(data))), Data: data})
	}
}

// noteSent records that HEADERS or DATA went out: the peer's next PING is
// then not a strike (grpc-go does the same) nor part of a flood.
func (w *writer) noteSent() {
	if !w.c.sentSincePing.Load() {
		w.c.sentSincePing.Store(true)
	}
}

func putFrameHeader(b []byte, t http2.FrameType, fl http2.Flags, id, length uint32) {
	b[0], b[1], b[2] = byte(length>>16), byte(length>>8), byte(length)
	b[3] = byte(t)
	b[4] = byte(fl)
	binary.BigEndian.PutUint32(b[5:], id&maxStreamID)
}

// frameHeader builds the FrameHeader of an event for a frame we wrote.
func frameHeader(t http2.FrameType, fl http2.Flags, id, length uint32) http2.FrameHeader {
	return http2.FrameHeader{Type: t, Flags: fl, StreamID: id, Length: length}
}

func (w *writer) writeWindowUpdate(id, incr uint32) error {
	if err := w.fr.WriteWindowUpdate(id, incr); err != nil {
		return err
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameWindowUpdate, 0, id, 4), Increment: incr})
	}
	return nil
}

// writeReset writes RST_STREAM for s unless the stream never got an id or
// is already closed, drops what it had queued and removes it from the table.
func (w *writer) writeReset(s *Stream, code http2.ErrCode) {
	w.dropQueued(s)
	if !s.opened {
		w.unlist(s)
		s.state.Or(stReset)
		return
	}
	w.unlist(s)
	if !s.rstSent {
		s.rstSent = true
		w.writeRST(s.ID(), code)
	}
	s.state.Or(stReset | stSentEnd | stRecvEnd)
	w.c.removeStream(s)
}

// writeRST writes RST_STREAM and remembers the stream as reset by us.
func (w *writer) writeRST(id uint32, code http2.ErrCode) {
	w.c.noteLocalReset(id)
	if err := w.fr.WriteRSTStream(id, code); err != nil {
		w.fail(err)
		return
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameRSTStream, 0, id, 4), ErrCode: code})
	}
}

// unlist takes s off the writer's stalled and waiting lists (the ready list
// skips streams with nothing queued on its own).
func (w *writer) unlist(s *Stream) {
	if s.stalled {
		for i, t := range w.stalled {
			if t == s {
				w.stalled = append(w.stalled[:i], w.stalled[i+1:]...)
				break
			}
		}
		s.stalled = false
	}
	if !s.opened {
		w.removeWaiting(s)
	}
}

// endedLocal notes that s's END_STREAM went out. On a server, a stream the
// client has not half-closed is then reset with NO_ERROR, as RFC 9113 §8.1
// allows and gRPC expects: the response is complete, the client may stop
// sending.
func (w *writer) endedLocal(s *Stream) {
	old := s.state.Or(stSentEnd)
	if old&stRecvEnd == 0 {
		if w.c.isServer && !s.keepOpen() {
			w.writeReset(s, http2.ErrCodeNo)
		}
		return
	}
	w.c.removeStream(s)
}

func (s *Stream) keepOpen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noRST
}

// peerWindow applies a WINDOW_UPDATE from the peer.
func (w *writer) peerWindow(s *Stream, n uint32) {
	if s == nil {
		w.connWindow += int64(n)
		if w.connWindow > maxWindow {
			// RFC 9113 §6.9.1: a connection error of type FLOW_CONTROL_ERROR.
			w.connError(http2.ErrCodeFlowControl, "WINDOW_UPDATE made the connection window exceed 2^31-1", errFlowControl)
		}
		return
	}
	if s.state.Load()&stReset != 0 {
		return
	}
	s.incr += int64(n)
	if w.window(s) > maxWindow {
		// RFC 9113 §6.9.1: a stream error of type FLOW_CONTROL_ERROR.
		s.state.Or(stReset)
		s.abort(http2.StreamError{StreamID: s.ID(), Code: http2.ErrCodeFlowControl})
		w.writeReset(s, http2.ErrCodeFlowControl)
		return
	}
	w.unstall(s)
}

// unstall moves s from the stalled to the ready list if it can send.
func (w *writer) unstall(s *Stream) {
	if !s.stalled || w.window(s) <= 0 {
		return
	}
	for i, t := range w.stalled {
		if t == s {
			w.stalled = append(w.stalled[:i], w.stalled[i+1:]...)
			break
		}
	}
	s.stalled = false
	w.schedule(s)
}

// peerSettings applies the peer's SETTINGS and acknowledges them. RFC 9113
// §6.5.3: the values are applied in order before the ACK is sent.
func (w *writer) peerSettings(settings []http2.Setting) {
	c := w.c
	for _, st := range settings {
		switch st.ID {
		case http2.SettingInitialWindowSize:
			// RFC 9113 §6.9.2: the change applies to every stream's window.
			w.peerInitWindow = int64(st.Val)
		case http2.SettingMaxFrameSize:
			w.maxFrame = st.Val
		case http2.SettingHeaderTableSize:
			w.henc.SetMaxDynamicTableSizeLimit(st.Val)
		case http2.SettingMaxHeaderListSize:
			w.peerMaxHeaderList = st.Val
		case http2.SettingMaxConcurrentStreams:
			c.mu.Lock()
			c.peerMaxStreams = st.Val
			c.mu.Unlock()
		}
	}
	w.settled = true
	if err := w.fr.WriteSettingsAck(); err != nil {
		w.fail(err)
		return
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameSettings, http2.FlagSettingsAck, 0, 0)})
	}
	// A larger window may free stalled streams; a larger limit, waiting ones.
	for _, s := range append([]*Stream(nil), w.stalled...) {
		w.unstall(s)
	}
	w.openWaiting()
}

// open gives a client stream its id and writes its request headers, or
// parks it until the peer's MAX_CONCURRENT_STREAMS allows it.
func (w *writer) open(r *writeReq) {
	s := r.s
	if s.state.Load()&stReset != 0 {
		return
	}
	c := w.c
	c.mu.Lock()
	if c.goAwayRecv || w.nextID > maxStreamID || c.closed.Load() {
		// A stream opened on a connection that has ended (shutdown aborted
		// the streams it knew) or is going away was never sent.
		c.mu.Unlock()
		s.abort(fmt.Errorf("%w: the connection is going away", ErrUnprocessed))
		return
	}
	if !w.settled || uint32(len(c.streams)) >= c.peerMaxStreams {
		// Before the server's SETTINGS arrive its MAX_CONCURRENT_STREAMS is
		// unknown: streams wait for it rather than risk REFUSED_STREAM.
		c.waitingOpens++
		c.mu.Unlock()
		s.openReq = *r
		w.waiting = append(w.waiting, s)
		return
	}
	id := w.nextID
	w.nextID += 2
	c.nextLocalID.Store(w.nextID)
	s.id.Store(id)
	c.streams[id] = s
	c.mu.Unlock()
	s.opened = true
	if err := w.writeHeaders(id, r.fields, r.end); err != nil {
		if isLocalHeaderError(err) {
			s.abort(err)
			w.writeReset(s, http2.ErrCodeCancel)
			return
		}
		w.fail(err)
		return
	}
	if r.end {
		w.endedLocal(s)
	}
	w.schedule(s)
}

// openWaiting opens parked client streams while the peer's limit allows.
func (w *writer) openWaiting() {
	for len(w.waiting) > 0 {
		c := w.c
		c.mu.Lock()
		full := (!w.settled || uint32(len(c.streams)) >= c.peerMaxStreams) && !c.goAwayRecv
		c.mu.Unlock()
		if full {
			return
		}
		s := w.waiting[0]
		w.waiting = w.waiting[1:]
		c.mu.Lock()
		c.waitingOpens--
		c.mu.Unlock()
		r := s.openReq
		s.openReq = writeReq{}
		w.open(&r)
	}
}

func (w *writer) removeWaiting(s *Stream) {
	for i, t := range w.waiting {
		if t == s {
			w.waiting = append(w.waiting[:i], w.waiting[i+1:]...)
			w.c.mu.Lock()
			w.c.waitingOpens--
			w.c.mu.Unlock()
			return
		}
	}
}

// batchWriter gathers frames until the writer flushes, then writes them with
// one writev. Small writes (frame headers, HEADERS blocks, control frames)
// are copied into a pooled buffer; large DATA payloads are not copied at all:
// the batch refers to the message buffer itself, which is held until the
// flush. The pooled buffer goes back at each flush, so an idle connection
// holds no write buffer.
type batchWriter struct {
	nc       net.Conn
	size     int     // size of a small-write buffer
	bp       *[]byte // the small-write buffer being filled
	n        int     // bytes used in bp
	segStart int     // where bp's segment not yet in iov begins
	iov      net.Buffers
	out      net.Buffers // what Flush is writing (WriteTo consumes it)
	held     []*[]byte   // buffers to release after the flush
	pending  int         // bytes in the batch
	err      error
}

// Batching bounds: a payload this large is referenced rather than copied;
// a batch this large is written without waiting for the writer's flush.
const (
	refMin      = 2048
	maxBatch    = 1 << 20
	maxBatchIOV = 256
)

// Write copies p into the batch.
func (b *batchWriter) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	total := len(p)
	for len(p) > 0 {
		if b.bp == nil {
			b.bp = bufpool.Get(b.size)
			b.n, b.segStart = 0, 0
		}
		buf := (*b.bp)[:b.size]
		c := copy(buf[b.n:], p)
		b.n += c
		b.pending += c
		p = p[c:]
		if b.n == b.size {
			b.seal()
			b.held = append(b.held, b.bp)
			b.bp = nil
		}
	}
	if b.pending >= maxBatch {
		return total, b.Flush()
	}
	return total, nil
}

// writeRef adds p to the batch without copying it: p must stay unchanged
// until the next flush (its buffer goes to hold).
func (b *batchWriter) writeRef(p []byte) error {
	if b.err != nil {
		return b.err
	}
	if len(p) < refMin {
		_, err := b.Write(p)
		return err
	}
	b.seal()
	b.iov = append(b.iov, p)
	b.pending += len(p)
	if b.pending >= maxBatch || len(b.iov) >= maxBatchIOV {
		return b.Flush()
	}
	return nil
}

// seal moves the filled, not yet listed part of the small buffer into iov.
func (b *batchWriter) seal() {
	if b.bp != nil && b.n > b.segStart {
		b.iov = append(b.iov, (*b.bp)[b.segStart:b.n])
		b.segStart = b.n
	}
}

// hold keeps bp until the next flush, when it goes back to the pool: the
// batch may refer to it.
func (b *batchWriter) hold(bp *[]byte) {
	if bp != nil {
		b.held = append(b.held, bp)
	}
}

// buffered is how many bytes wait for the flush.
func (b *batchWriter) buffered() int { return b.pending }

// Flush writes the batch and returns every buffer to the pool.
func (b *batchWriter) Flush() error {
	if b.err != nil {
		b.release()
		return b.err
	}
	b.seal()
	if len(b.iov) > 0 {
		// WriteTo consumes the slice it is called on: a field, so that
		// neither b.iov's capacity nor an allocation is lost per flush.
		b.out = b.iov
		if _, err := b.out.WriteTo(b.nc); err != nil {
			b.err = err
		}
		b.out = nil
	}
	b.release()
	return b.err
}

// release drops the batch and returns its buffers to the pool.
func (b *batchWriter) release() {
	clear(b.iov[:cap(b.iov)])
	b.iov = b.iov[:0]
	for i, bp := range b.held {
		bufpool.Put(bp)
		b.held[i] = nil
	}
	b.held = b.held[:0]
	if b.bp != nil {
		bufpool.Put(b.bp)
		b.bp = nil
	}
	b.n, b.segStart, b.pending = 0, 0, 0
}
