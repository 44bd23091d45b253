package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
	"grpcwire/observe"
)

// connError is a protocol error that ends the connection: RFC 9113 §5.4.1
// says to send GOAWAY with its code, then close.
type connError struct {
	code   http2.ErrCode
	reason string
}

func (e connError) Error() string {
	return fmt.Sprintf("grpcwire/transport: connection error %s: %s", e.code, e.reason)
}

// ProtocolError is the error a connection ends with after the peer broke the
// HTTP/2 protocol; it names the RFC 9113 error code sent in GOAWAY.
type ProtocolError struct {
	Code   http2.ErrCode
	Reason string
}

// Error names the violation and its RFC 9113 error code.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("the peer violated HTTP/2 (%s): %s", e.Code, e.Reason)
}

var errFlowControl = &ProtocolError{Code: http2.ErrCodeFlowControl, Reason: "flow-control window overflow"}

// readLoop reads and processes frames until the connection ends.
func (c *Conn) readLoop() error {
	for {
		fh, err := c.fr.ReadFrameHeader()
		if err != nil {
			return c.readFailed(err)
		}
		if c.cfg.Keepalive.Time > 0 { // only the keepalive timer reads it
			c.lastRead.Store(time.Now().UnixNano())
		}
		if !c.sawSettings && fh.Type != http2.FrameSettings {
			// RFC 9113 §3.4: the preface is followed by a SETTINGS frame.
			return c.protocolError(connError{http2.ErrCodeProtocol, fmt.Sprintf("expected SETTINGS as the first frame, got %s", fh.Type)})
		}
		if fh.Type == http2.FrameData {
			if err := c.processData(fh); err != nil {
				return c.protocolError(err)
			}
			continue
		}
		if fh.Type == http2.FrameHeaders {
			if err := c.processHeadersFrame(fh); err != nil {
				return c.protocolError(err)
			}
			continue
		}
		f, err := c.fr.ReadFrameForHeader(fh)
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				if err := c.streamError(se.StreamID, se.Code, fh.Type == http2.FrameHeaders); err != nil {
					return c.protocolError(err)
				}
				continue
			}
			return c.readFailed(err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			err = c.processSettings(f)
		case *http2.PingFrame:
			err = c.processPing(f)
		case *http2.WindowUpdateFrame:
			err = c.processWindowUpdate(f)
		case *http2.RSTStreamFrame:
			err = c.processRSTStream(f)
		case *http2.GoAwayFrame:
			err = c.processGoAway(f)
		case *http2.PriorityFrame:
			err = c.processPriority(f)
		case *http2.PushPromiseFrame:
			// RFC 9113 §8.4: a client that disabled push, and any server,
			// treats PUSH_PROMISE as a connection error PROTOCOL_ERROR.
			err = connError{http2.ErrCodeProtocol, "PUSH_PROMISE received; push is disabled"}
		default:
			// RFC 9113 §5.5: unknown frame types are ignored.
			if c.observing() {
				c.observe(&observe.FrameEvent{Header: fh})
			}
		}
		if err != nil {
			return c.protocolError(err)
		}
	}
}

// readFailed turns a read error into the connection's end.
func (c *Conn) readFailed(err error) error {
	if c.closed.Load() {
		return errClosedLocally
	}
	if ce, ok := c.frameError(err); ok {
		return c.protocolError(ce)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		c.mu.Lock()
		ga := c.goAwayRecv
		c.mu.Unlock()
		if ga {
			return fmt.Errorf("the peer closed the connection after GOAWAY: %w", io.EOF)
		}
		return fmt.Errorf("%w: %w", errPeerClosed, io.EOF)
	}
	return err
}

// frameError translates the Framer's errors for a malformed frame into the
// connection error to answer with.
func (c *Conn) frameError(err error) (connError, bool) {
	var ce http2.ConnectionError
	switch {
	case errors.Is(err, http2.ErrFrameTooLarge):
		return connError{http2.ErrCodeFrameSize, fmt.Sprintf("frame larger than our SETTINGS_MAX_FRAME_SIZE of %d (%v)", c.cfg.MaxFrameSize, err)}, true
	case errors.As(err, &ce):
		reason := "malformed frame"
		if d := c.fr.ErrorDetail(); d != nil {
			reason = d.Error()
		}
		return connError{http2.ErrCode(ce), reason}, true
	}
	return connError{}, false
}

// protocolError ends the connection for err: a connError sends GOAWAY with
// its code first.
func (c *Conn) protocolError(err error) error {
	var ce connError
	if errors.As(err, &ce) {
		perr := &ProtocolError{Code: ce.code, Reason: ce.reason}
		c.fatal(ce.code, ce.reason, perr)
		return perr
	}
	return err
}

// readPreface reads the client connection preface (RFC 9113 §3.4). A peer
// that speaks HTTP/1.1 instead gets a short HTTP/1.1 answer saying what this
// server is, rather than silence. The bytes are judged as they arrive, so
// that an HTTP/1.x request shorter than the 24-byte preface is answered at
// once instead of after the handshake timeout.
func (c *Conn) readPreface() error {
	if t := c.cfg.HandshakeTimeout; t > 0 {
		c.nc.SetReadDeadline(time.Now().Add(t))
		defer c.nc.SetReadDeadline(time.Time{})
	}
	var buf [len(http2.ClientPreface)]byte
	n := 0
	for {
		m, err := c.br.Read(buf[n:])
		n += m
		got := buf[:n]
		switch {
		case string(got) == http2.ClientPreface:
			return nil
		case strings.HasPrefix(http2.ClientPreface, string(got)) || mayBeTLSOrHTTP1(got):
			// Too early to tell.
		case len(got) >= 2 && got[0] == tlsHandshakeRecord && got[1] == tlsMajorVersion:
			return &ProtocolError{Code: http2.ErrCodeProtocol, Reason: "the client started a TLS handshake on this cleartext port (serve with TLS, or have it dial without TLS)"}
		case looksLikeHTTP1(got):
			c.answerHTTP1()
			return &ProtocolError{Code: http2.ErrCodeProtocol, Reason: "the client spoke HTTP/1.x, not HTTP/2"}
		default:
			return &ProtocolError{Code: http2.ErrCodeProtocol, Reason: fmt.Sprintf("bad client preface %q", got)}
		}
		if err != nil {
			return fmt.Errorf("reading the client preface (%d of %d bytes): %w", n, len(buf), err)
		}
	}
}

// The first two bytes of a TLS ClientHello record: content type 22
// (handshake) and the major version 3 (RFC 8446 §5.1).
const (
	tlsHandshakeRecord = 0x16
	tlsMajorVersion    = 0x03
)

// http1Methods are the request methods an HTTP/1.x client may start with.
var http1Methods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// http1Body and http1Answer are what a cleartext gRPC server says to an
// HTTP/1.x client.
const http1Body = "This is a gRPC server: it speaks HTTP/2 only (cleartext with prior knowledge, or TLS with ALPN h2), not HTTP/1.\n"

var http1Answer = "HTTP/1.1 505 HTTP Version Not Supported\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(http1Body)) + "\r\n" +
	"\r\n" +
	http1Body

// http1Linger bounds how long the server reads what an HTTP/1.x client still
// sends after the answer (as net/http does before closing): closing a socket
// with unread bytes resets the connection, and the reset can destroy the
// answer before the client has read it.
const (
	http1Linger      = 500 * time.Millisecond
	http1LingerBytes = 64 << 10
)

// answerHTTP1 writes http1Answer, closes the sending side and drains the
// request for at most http1Linger.
func (c *Conn) answerHTTP1() {
	c.nc.SetWriteDeadline(time.Now().Add(goAwayFlushBound))
	if _, err := io.WriteString(c.nc, http1Answer); err != nil {
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		c.nc.SetReadDeadline(time.Now().Add(http1Linger))
		io.Copy(io.Discard, io.LimitReader(c.br, http1LingerBytes))
	}
}

// looksLikeHTTP1 reports whether b starts like an HTTP/1.x request line.
func looksLikeHTTP1(b []byte) bool {
	for _, m := range http1Methods {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// mayBeTLSOrHTTP1 reports whether b is too short to tell whether it starts
// a TLS record or an HTTP/1.x request line.
func mayBeTLSOrHTTP1(b []byte) bool {
	if len(b) == 1 && b[0] == tlsHandshakeRecord {
		return true
	}
	for _, m := range http1Methods {
		if len(b) < len(m) && strings.HasPrefix(m, string(b)) {
			return true
		}
	}
	return false
}

// isIdle reports whether id names a stream that is still idle: one the peer
// could open but has not (RFC 9113 §5.1), or, for our own ids, one we have
// not opened.
func (c *Conn) isIdleLocked(id uint32) bool {
	peerInitiated := (id%2 == 1) == c.isServer
	if peerInitiated {
		return id > c.maxPeerStreamID
	}
	return id >= c.nextLocalID.Load()
}

// lookup returns the stream with id, or nil, and whether id is idle.
func (c *Conn) lookup(id uint32) (*Stream, bool) {
	c.mu.Lock()
	s := c.streams[id]
	idle := s == nil && c.isIdleLocked(id)
	c.mu.Unlock()
	return s, idle
}

// processData handles a DATA frame. The payload is read straight from the
// connection buffer into a pooled buffer that the stream keeps until read.
func (c *Conn) processData(fh http2.FrameHeader) error {
	id := fh.StreamID
	if id == 0 {
		// RFC 9113 §6.1.
		return connError{http2.ErrCodeProtocol, "DATA frame on stream 0"}
	}
	n := int64(fh.Length)
	if n > c.recvWindow {
		// RFC 9113 §6.9: a connection error of type FLOW_CONTROL_ERROR.
		return connError{http2.ErrCodeFlowControl, fmt.Sprintf("DATA of %d bytes exceeds the connection window of %d", n, c.recvWindow)}
	}
	c.recvWindow -= n
	if n == 0 && !fh.Flags.Has(http2.FlagDataEndStream) && !c.floods.emptyData.take(time.Now()) {
		return flood("empty DATA frames")
	}
	// RFC 9113 §6.1: padding at least as long as the payload is a
	// connection error, whatever state the stream is in.
	var padLen int64 = -1
	if fh.Flags.Has(http2.FlagDataPadded) {
		if n == 0 {
			return connError{http2.ErrCodeFrameSize, "padded DATA frame without a pad length"}
		}
		b, err := c.br.ReadByte()
		if err != nil {
			return err
		}
		padLen = int64(b)
		if padLen >= n {
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("DATA padding of %d bytes does not fit a payload of %d", padLen, n)}
		}
	}
	body := n // bytes still to read from the connection
	if padLen >= 0 {
		body--
	}
	s, idle := c.lookup(id)
	if s == nil || s.state.Load()&(stRecvEnd|stReset) != 0 || (!c.isServer && !s.gotHeader) {
		// A stream still in the table with its reset bit set is one the
		// writer is resetting right now: ours, like those it remembers.
		resetByUs := (s == nil && !idle && c.wasResetByUs(id)) || (s != nil && s.state.Load()&stReset != 0)
		if _, err := c.br.Discard(int(body)); err != nil {
			return err
		}
		c.creditConn(n)
		if c.observing() {
			c.observe(&observe.FrameEvent{Header: fh})
		}
		switch {
		case idle:
			// RFC 9113 §5.1: DATA on an idle stream is a connection error.
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("DATA frame on idle stream %d", id)}
		case resetByUs || (s == nil && !c.isServer):
			// RFC 9113 §5.1: after sending RST_STREAM, frames that arrive on
			// the stream are ignored (a client ignores any on closed streams).
			return nil
		case s != nil && !c.isServer && !s.gotHeader:
			// RFC 9113 §8.1: a response starts with HEADERS.
			return c.streamError(id, http2.ErrCodeProtocol, false)
		default:
			// RFC 9113 §5.1: half-closed (remote) or closed.
			return c.streamError(id, http2.ErrCodeStreamClosed, false)
		}
	}
	var bp *[]byte
	var data []byte
	if body > 0 {
		bp = bufpool.Get(int(body))
		if _, err := io.ReadFull(c.br, *bp); err != nil {
			bufpool.Put(bp)
			return err
		}
		data = *bp
		if padLen > 0 {
			data = data[:body-padLen]
		}
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: fh, Data: data})
	}
	c.creditConn(n)
	end := fh.Flags.Has(http2.FlagDataEndStream)
	s.dataLen += int64(len(data))
	if s.contentLength >= 0 && (s.dataLen > s.contentLength || end && s.dataLen != s.contentLength) {
		// RFC 9113 §8.1.1: content-length that disagrees with DATA is malformed.
		bufpool.Put(bp)
		return c.streamError(id, http2.ErrCodeProtocol, false)
	}
	if !s.deliver(bp, data, n, end) {
		// RFC 9113 §6.9: the peer overran the stream's window.
		return c.streamError(id, http2.ErrCodeFlowControl, false)
	}
	if end {
		c.recvEnded(s)
	}
	return nil
}

// recvEnded notes the peer's END_STREAM on s.
func (c *Conn) recvEnded(s *Stream) {
	old := s.state.Or(stRecvEnd)
	if old&stSentEnd != 0 {
		c.removeStream(s)
	}
}

// creditConn counts n received bytes against the connection window and
// returns them with a WINDOW_UPDATE once a quarter of the window is used.
// Connection credit is returned on receipt: each stream's own window is
// what bounds the memory a slow reader can pin.
func (c *Conn) creditConn(n int64) {
	c.recvUnacked += n
	if c.recvUnacked < int64(c.cfg.ConnWindowSize)/4 {
		return
	}
	incr := c.recvUnacked
	c.recvUnacked = 0
	c.recvWindow += incr
	c.q.push1(writeReq{kind: reqWindowUpdate, n: uint32(incr)})
}

// streamError resets stream id with code (RFC 9113 §5.4.2). opening says the
// frame at fault was a HEADERS frame, which counts as opening the stream.
func (c *Conn) streamError(id uint32, code http2.ErrCode, opening bool) error {
	if id == 0 {
		return connError{code, "stream error on stream 0"}
	}
	c.mu.Lock()
	s := c.streams[id]
	if opening && s == nil && c.isServer && id > c.maxPeerStreamID {
		c.maxPeerStreamID = id
	}
	c.mu.Unlock()
	if !c.queuedControl() {
		return flood("RST_STREAMs the peer does not read")
	}
	if s != nil {
		s.state.Or(stReset)
		s.abort(http2.StreamError{StreamID: id, Code: code})
		c.q.push1(writeReq{kind: reqRST, s: s, code: code, ctl: true})
		return nil
	}
	c.noteLocalReset(id)
	c.q.push1(writeReq{kind: reqRST, n: id, code: code, ctl: true})
	return nil
}

// refuseStream answers a stream the peer opened that this side will not
// serve with RST_STREAM(code). The id is noted as reset at once rather than
// when the writer gets to it, so that the DATA the peer sent right behind
// its HEADERS is ignored, not answered with a second RST_STREAM
// (STREAM_CLOSED): RFC 9113 §5.1, "after sending a RST_STREAM ... the
// endpoint MUST ignore frames that it receives on closed streams". Like
// every answer to the peer, it is bounded by queuedControl.
func (c *Conn) refuseStream(id uint32, code http2.ErrCode) error {
	if !c.queuedControl() {
		return flood("RST_STREAMs the peer does not read")
	}
	c.noteLocalReset(id)
	c.q.push1(writeReq{kind: reqRST, n: id, code: code, ctl: true})
	return nil
}

// removeStream takes s out of the stream table.
func (c *Conn) removeStream(s *Stream) {
	if s.state.Or(stRemoved)&stRemoved != 0 {
		return
	}
	id := s.ID()
	c.mu.Lock()
	if c.streams[id] == s {
		delete(c.streams, id)
	}
	kick := c.waitingOpens > 0
	open := len(c.streams)
	idle := open == 0 && (c.draining || (c.goAwayRecv && !c.isServer))
	c.mu.Unlock()
	c.streamsChanged(open)
	if kick {
		c.q.push1(writeReq{kind: reqKick})
	}
	if idle {
		c.drained()
	}
}

// processHeadersFrame reads a HEADERS frame's payload itself, as it does
// for DATA (the Framer would allocate a frame per call), then the rest of
// the header block, and processes the block.
func (c *Conn) processHeadersFrame(fh http2.FrameHeader) error {
	if fh.StreamID == 0 {
		// RFC 9113 §6.2.
		return connError{http2.ErrCodeProtocol, "HEADERS frame on stream 0"}
	}
	bp := bufpool.Get(int(fh.Length))
	defer bufpool.Put(bp)
	p := *bp
	if _, err := io.ReadFull(c.br, p); err != nil {
		return c.readFailed(err)
	}
	b := &c.hdrBlock
	*b = headerBlock{FrameHeader: fh, endStream: fh.Flags.Has(http2.FlagHeadersEndStream)}
	pad := 0
	if fh.Flags.Has(http2.FlagHeadersPadded) {
		if len(p) < 1 {
			return connError{http2.ErrCodeFrameSize, "padded HEADERS frame without a pad length"}
		}
		pad = int(p[0])
		p = p[1:]
	}
	if fh.Flags.Has(http2.FlagHeadersPriority) {
		if len(p) < 5 {
			return connError{http2.ErrCodeFrameSize, "HEADERS frame too short for its priority fields"}
		}
		v := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
		b.hasPriority = true
		b.priority = http2.PriorityParam{StreamDep: v & maxStreamID, Exclusive: v&^maxStreamID != 0, Weight: p[4]}
		p = p[5:]
	}
	if pad > len(p) {
		// RFC 9113 §6.2: padding as long as the payload or longer.
		return connError{http2.ErrCodeProtocol, "HEADERS padding exceeds the frame payload"}
	}
	berr := c.readHeaderBlock(b, p[:len(p)-pad], fh.Flags.Has(http2.FlagHeadersEndHeaders))
	if berr == nil {
		return c.processHeaders(b)
	}
	var se http2.StreamError
	if errors.As(berr, &se) {
		if c.observing() {
			c.observe(&observe.FrameEvent{Header: b.FrameHeader, Fields: b.fields, Continuations: b.continuations})
		}
		return c.streamError(se.StreamID, se.Code, true)
	}
	return berr
}

// processHeaders handles a HEADERS block (with its CONTINUATIONs).
func (c *Conn) processHeaders(f *headerBlock) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Fields: f.fields, Continuations: f.continuations})
	}
	id := f.StreamID
	if f.hasPriority && f.priority.StreamDep == id {
		// RFC 9113 §5.3.1: a stream cannot depend on itself.
		return c.streamError(id, http2.ErrCodeProtocol, true)
	}
	if c.isServer {
		return c.processRequestHeaders(f)
	}
	return c.processResponseHeaders(f)
}

// processRequestHeaders opens a stream for a request, or takes a request's
// trailers (server side).
func (c *Conn) processRequestHeaders(f *headerBlock) error {
	id := f.StreamID
	if id%2 == 0 {
		// RFC 9113 §5.1.1: clients open odd-numbered streams.
		return connError{http2.ErrCodeProtocol, fmt.Sprintf("client opened even-numbered stream %d", id)}
	}
	c.mu.Lock()
	s := c.streams[id]
	if s != nil {
		c.mu.Unlock()
		return c.processRequestTrailers(s, f)
	}
	if id <= c.maxPeerStreamID {
		c.mu.Unlock()
		// RFC 9113 §5.1: HEADERS on a closed stream.
		return connError{http2.ErrCodeStreamClosed, fmt.Sprintf("HEADERS on closed stream %d", id)}
	}
	c.maxPeerStreamID = id
	refused := c.goAwaySent && id > c.goAwayLastID
	full := c.cfg.MaxConcurrentStreams > 0 && uint32(len(c.streams)) >= c.cfg.MaxConcurrentStreams
	c.mu.Unlock()
	if refused || full {
		// RFC 9113 §5.1.2 and §6.8: a stream over the limit, or opened after
		// GOAWAY, is refused; the client may retry it.
		return c.refuseStream(id, http2.ErrCodeRefusedStream)
	}
	s = newStream(c)
	s.id.Store(id)
	s.opened = true
	s.header = f.fields
	var cl string
	if f.truncated {
		s.headerTooLarge = true
		cl = headerValue(f.regularFields(), "content-length")
	} else {
		var err error
		if cl, err = checkRequestHeaders(f.fields); err != nil {
			c.log.Debug("grpcwire: malformed request", "stream", id, "err", err)
			return c.refuseStream(id, http2.ErrCodeProtocol)
		}
	}
	if cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || v < 0 {
			return c.refuseStream(id, http2.ErrCodeProtocol)
		}
		s.contentLength = v
	}
	end := f.endStream
	if end {
		s.recvErr = io.EOF
		s.state.Store(stRecvEnd)
		if s.contentLength > 0 {
			return c.refuseStream(id, http2.ErrCodeProtocol)
		}
	}
	// Rapid-reset defence: a stream's handler holds a slot until it ends,
	// even after the client reset the stream, so that no more handlers run
	// than MAX_CONCURRENT_STREAMS allows. When all are taken, this reader
	// waits: the client that resets streams faster than handlers end is the
	// one that stalls.
	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
		default:
			select {
			case c.slots <- struct{}{}:
			case <-c.closing:
				return errClosedLocally
			}
		}
		s.holdsSlot = true
	}
	c.mu.Lock()
	if c.closed.Load() {
		// The connection ended meanwhile (the writer failed, or Close): a
		// stream added now would never be told.
		c.mu.Unlock()
		s.Release()
		return errClosedLocally
	}
	c.streams[id] = s
	n := len(c.streams)
	c.mu.Unlock()
	c.streamsChanged(n)
	c.cfg.OnStream(s)
	return nil
}

// processRequestTrailers handles HEADERS on an open request stream.
func (c *Conn) processRequestTrailers(s *Stream, f *headerBlock) error {
	if s.state.Load()&stRecvEnd != 0 {
		// RFC 9113 §5.1: half-closed (remote) accepts no HEADERS.
		return c.streamError(f.StreamID, http2.ErrCodeStreamClosed, false)
	}
	if !f.endStream || f.pseudoCount() > 0 {
		// RFC 9113 §8.1: trailers end the stream and carry no pseudo-headers.
		return c.streamError(f.StreamID, http2.ErrCodeProtocol, false)
	}
	s.mu.Lock()
	if s.recvErr == nil {
		s.recvErr = io.EOF
	}
	s.mu.Unlock()
	s.wakeReader()
	c.recvEnded(s)
	return nil
}

// processResponseHeaders handles a response's HEADERS or trailers (client).
func (c *Conn) processResponseHeaders(f *headerBlock) error {
	id := f.StreamID
	s, idle := c.lookup(id)
	if s == nil {
		if idle || id%2 == 0 {
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("HEADERS on stream %d, which this client never opened", id)}
		}
		return nil // a stream we reset or finished: ignore frames in flight
	}
	if s.state.Load()&stRecvEnd != 0 {
		return c.streamError(id, http2.ErrCodeStreamClosed, false)
	}
	if f.truncated {
		// A response header list over our limit cannot be read in full.
		return c.streamError(id, http2.ErrCodeProtocol, false)
	}
	end := f.endStream
	if !s.gotHeader {
		if st := f.pseudoValue(":status"); len(st) == 3 && st[0] == '1' && !end {
			return nil // RFC 9113 §8.1: informational (1xx) responses are skipped
		}
		s.gotHeader = true
		// Trailers-Only: one HEADERS frame is both headers and trailers.
		s.trailersOnly = end
		s.setHeader(f.fields)
	} else if !end {
		// RFC 9113 §8.1: a second HEADERS block is trailers and ends the stream.
		return c.streamError(id, http2.ErrCodeProtocol, false)
	}
	if end {
		s.mu.Lock()
		s.trailer = f.fields
		if s.recvErr == nil {
			s.recvErr = io.EOF
		}
		// The response is complete: the call is over, so the request side
		// ends too. A client still sending resets the stream with NO_ERROR
		// (as grpc-go does) so that both ends free it.
		if s.sendErr == nil {
			s.sendErr = ErrStreamDone
		}
		sendWait := s.sendWait
		s.mu.Unlock()
		s.wakeReader()
		if sendWait != nil {
			select {
			case sendWait <- struct{}{}:
			default:
			}
		}
		if s.state.Load()&stSentEnd == 0 {
			c.q.push1(writeReq{kind: reqRST, s: s, code: http2.ErrCodeNo})
		}
		c.recvEnded(s)
	}
	return nil
}

// connectionHeaders are the fields RFC 9113 §8.2.2 forbids in HTTP/2.
var connectionHeaders = map[string]bool{
	"connection":        true,
	"keep-alive":        true,
	"proxy-connection":  true,
	"transfer-encoding": true,
	"upgrade":           true,
}

// checkRequestHeaders applies RFC 9113 §8.2 and §8.3.1 to a request, and
// returns its content-length, if any, found on the same pass.
func checkRequestHeaders(fields []hpack.HeaderField) (contentLength string, err error) {
	var method, scheme, path bool
	for _, f := range fields {
		if f.IsPseudo() {
			switch f.Name {
			case ":method":
				method = f.Value != ""
			case ":scheme":
				scheme = f.Value != ""
			case ":path":
				path = f.Value != ""
			case ":status":
				return "", errors.New("request with :status")
			}
			continue
		}
		switch {
		case connectionHeaders[f.Name]:
			return "", fmt.Errorf("connection-specific header %q", f.Name)
		case f.Name == "te" && f.Value != "trailers":
			return "", fmt.Errorf("te: %q (only \"trailers\" is allowed)", f.Value)
		case f.Name == "content-length":
			contentLength = f.Value
		}
	}
	if !method || !scheme || !path {
		return "", errors.New("missing :method, :scheme or :path")
	}
	return contentLength, nil
}

func headerValue(fields []hpack.HeaderField, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// processSettings validates the peer's SETTINGS and hands them to the writer,
// which applies them and sends the ACK.
func (c *Conn) processSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		if c.observing() {
			c.observe(&observe.FrameEvent{Header: f.FrameHeader})
		}
		return nil
	}
	var settings []http2.Setting
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		settings = append(settings, s)
		return nil
	})
	if err != nil {
		var ce http2.ConnectionError
		if errors.As(err, &ce) {
			return connError{http2.ErrCode(ce), "invalid SETTINGS value: " + err.Error()}
		}
		return err
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Settings: settings})
	}
	if !c.floods.settings.take(time.Now()) {
		return flood("SETTINGS frames")
	}
	if !c.queuedControl() {
		return flood("SETTINGS ACKs the peer does not read")
	}
	err = c.q.push1(writeReq{kind: reqPeerSettings, settings: settings, ctl: true})
	if !c.sawSettings {
		c.sawSettings = true
		close(c.settled)
	}
	return err
}

// processPing answers a PING with a PING ACK, or completes a wait for the
// ACK of ours.
func (c *Conn) processPing(f *http2.PingFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Ping: f.Data})
	}
	if f.IsAck() {
		c.mu.Lock()
		if ch, ok := c.pingWaiters[f.Data]; ok {
			delete(c.pingWaiters, f.Data)
			close(ch)
		}
		c.mu.Unlock()
		return nil
	}
	// A PING that follows data this side sent is what BDP estimators do
	// (grpc-go pings once per round trip that carried data, for as long as
	// its estimate grows) and what keepalive does on a busy connection: only
	// PINGs with no HEADERS or DATA of ours in between draw from the flood
	// bucket and count as strikes.
	sent := c.sentSincePing.Swap(false)
	if !sent && !c.floods.pings.take(time.Now()) {
		return flood("PING frames")
	}
	if !c.enforcePing(sent) {
		// doc/keepalive.md: the client pings more often than the policy allows.
		c.log.Info("grpcwire: client pings too often; closing", "remote", c.nc.RemoteAddr().String())
		return connError{http2.ErrCodeEnhanceYourCalm, "too_many_pings"}
	}
	if !c.queuedControl() {
		return flood("PING ACKs the peer does not read")
	}
	return c.q.push1(writeReq{kind: reqPing, ack: true, ping: f.Data, ctl: true})
}

// processWindowUpdate hands the peer's credit to the writer.
func (c *Conn) processWindowUpdate(f *http2.WindowUpdateFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Increment: f.Increment})
	}
	if f.StreamID == 0 {
		return c.q.push1(writeReq{kind: reqPeerWindow, n: f.Increment})
	}
	s, idle := c.lookup(f.StreamID)
	if s == nil {
		if idle {
			// RFC 9113 §5.1: WINDOW_UPDATE on an idle stream.
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("WINDOW_UPDATE on idle stream %d", f.StreamID)}
		}
		return nil // closed: RFC 9113 §6.9 says to ignore
	}
	return c.q.push1(writeReq{kind: reqPeerWindow, s: s, n: f.Increment})
}

// processRSTStream ends a stream the peer reset.
func (c *Conn) processRSTStream(f *http2.RSTStreamFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, ErrCode: f.ErrCode})
	}
	s, idle := c.lookup(f.StreamID)
	if s == nil {
		if idle {
			// RFC 9113 §6.4: RST_STREAM on an idle stream.
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("RST_STREAM on idle stream %d", f.StreamID)}
		}
		// Both sides reset it: from now on frames on it are the peer's
		// error (RFC 9113 §5.1, "after receiving a RST_STREAM").
		c.forgetLocalReset(f.StreamID)
		return nil
	}
	old := s.state.Or(stReset | stRecvEnd)
	if c.isServer && old&stSentEnd == 0 && !c.floods.resets.take(time.Now()) {
		// CVE-2023-44487: streams opened and reset before they are answered.
		return flood("streams reset by the client before they were answered (rapid reset)")
	}
	err := error(http2.StreamError{StreamID: f.StreamID, Code: f.ErrCode})
	if f.ErrCode == http2.ErrCodeNo && old&stRecvEnd != 0 {
		// The peer completed the stream and tells us to stop sending: the
		// response stays readable; writes end.
		s.mu.Lock()
		if s.sendErr == nil {
			s.sendErr = ErrStreamDone
		}
		wake := s.sendWait != nil
		s.mu.Unlock()
		if wake {
			select {
			case s.sendWait <- struct{}{}:
			default:
			}
		}
	} else {
		s.abort(err)
	}
	c.q.push1(writeReq{kind: reqRST, s: s, code: f.ErrCode, ack: true})
	c.removeStream(s)
	return nil
}

// processGoAway notes that the peer will process no stream above
// LastStreamID: on a client, those streams fail as unprocessed (safe to
// retry) and no new stream starts here.
func (c *Conn) processGoAway(f *http2.GoAwayFrame) error {
	debug := append([]byte(nil), f.DebugData()...)
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, LastStreamID: f.LastStreamID, ErrCode: f.ErrCode, DebugData: debug})
	}
	c.mu.Lock()
	c.goAwayRecv = true
	c.peerGoAwayID = f.LastStreamID
	var refused []*Stream
	if !c.isServer {
		for id, s := range c.streams {
			if id > f.LastStreamID {
				refused = append(refused, s)
			}
		}
	}
	empty := len(c.streams) == 0
	c.mu.Unlock()
	gerr := http2.GoAwayError{LastStreamID: f.LastStreamID, ErrCode: f.ErrCode, DebugData: string(debug)}
	for _, s := range refused {
		s.state.Or(stReset)
		s.abort(fmt.Errorf("%w: %w", ErrUnprocessed, gerr))
		c.q.push1(writeReq{kind: reqRST, s: s, code: http2.ErrCodeCancel, ack: true})
		c.removeStream(s)
	}
	if c.cfg.OnGoAway != nil {
		c.cfg.OnGoAway(f.LastStreamID, f.ErrCode, debug)
	}
	if f.ErrCode != http2.ErrCodeNo {
		c.log.Info("grpcwire: peer sent GOAWAY", "remote", c.nc.RemoteAddr().String(), "code", f.ErrCode.String(), "debug", string(debug))
	}
	if !c.isServer && empty {
		c.drained()
	}
	return nil
}

// processPriority checks a PRIORITY frame; priorities are otherwise ignored
// (RFC 9113 §5.3.2 deprecates the scheme).
func (c *Conn) processPriority(f *http2.PriorityFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader})
	}
	if f.StreamDep == f.StreamID {
		// RFC 9113 §5.3.1.
		return c.streamError(f.StreamID, http2.ErrCodeProtocol, false)
	}
	return nil
}

// drained ends a connection that is going away once its last stream is done:
// the writer flushes what it has, then closes.
func (c *Conn) drained() {
	c.q.push1(writeReq{kind: reqClose})
}
