package transport

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
	"grpcwire/observe"
	"grpcwire/wire"
)

// HEADERS frames, RFC 9113 §6.2 and §8.1, once their block is decoded
// (headerblock.go): on a server, opening a stream for a request (with the
// request checks of §8.2 and §8.3.1) and a request's trailers; on a client,
// a response's headers, 1xx responses, trailers and Trailers-Only
// (PROTOCOL-HTTP2.md). Writing: HPACK encoding into HEADERS plus
// CONTINUATION frames, within the peer's SETTINGS_MAX_HEADER_LIST_SIZE.

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
		return c.refuseStream(id, wire.RSTStreamRefused)
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
	c.nopen.Store(int32(len(c.streams)))
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
			s.setSendErrLocked(ErrStreamDone)
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
			c.q.push1(writeReq{kind: reqReset, s: s, code: wire.RSTStreamEarlyClose})
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
