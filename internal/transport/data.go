package transport

import (
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/bufpool"
	"grpcwire/observe"
)

// DATA frames, RFC 9113 §6.1, in (processData: into pooled buffers the
// stream keeps until read) and out (writeData: a hand-written
// frame header and the payload referenced, not copied, into the batch).

// processData handles a DATA frame. The payload goes into pooled buffers
// that the stream keeps until read: copied from the read buffer when it is
// small, read from the socket into a buffer of its own when it is not.
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
	// A small payload is copied from the read buffer into the stream's
	// last receive buffer, with the DATA frames that came before it
	// (deliver), so that a stream of small messages fills shared buffers
	// rather than taking one per frame; a larger one is read into a pooled
	// buffer of its own, straight from the socket.
	var bp, bp2 *[]byte
	var data, data2 []byte
	small := body <= int64(c.coalesceMax)
	if body > 0 {
		if small {
			b, err := c.br.Peek(int(body))
			if err != nil {
				return err
			}
			data = b
		} else {
			// Two large payloads of one stream in a row: a bulk transfer
			// (an upload, a download), whose next payloads the reader
			// reads straight from the socket, ahead (connreader_unix.go).
			bulk := c.lastLargeData == id
			c.lastLargeData = id
			// The payload may come in two pieces (connreader_unix.go)
			// unless padding is to be cut off its end or an observer
			// is to see it whole.
			split := padLen < 0 && !c.observing()
			var err error
			bp, data, bp2, data2, err = c.br.ReadPayload(int(body), bulk, split)
			if err != nil {
				return err
			}
		}
		if padLen > 0 {
			data = data[:body-padLen]
		}
	}
	if small && body > 0 {
		// The peeked bytes are consumed once deliver has copied them;
		// discarding buffered bytes cannot fail.
		defer c.br.Discard(int(body))
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: fh, Data: data})
	}
	c.creditConn(n)
	end := fh.Flags.Has(http2.FlagDataEndStream)
	s.dataLen += int64(len(data) + len(data2))
	if s.contentLength >= 0 && (s.dataLen > s.contentLength || end && s.dataLen != s.contentLength) {
		// RFC 9113 §8.1.1: content-length that disagrees with DATA is malformed.
		bufpool.Put(bp)
		bufpool.Put(bp2)
		return c.streamError(id, http2.ErrCodeProtocol, false)
	}
	if !s.deliver(bp, data, bp2, data2, n, end) {
		// RFC 9113 §6.9: the peer overran the stream's window.
		return c.streamError(id, http2.ErrCodeFlowControl, false)
	}
	if end {
		c.recvEnded(s)
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
