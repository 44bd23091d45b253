package h2test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/net/http2"
)

// errClosed marks a read that found the connection closed by the other side
// at a frame boundary: the one outcome ExpectClosed wants.
var errClosed = errors.New("the other side closed the connection")

// ReadFrame returns the next frame the other side sent, skipping nothing.
// A HEADERS frame comes back as *Headers with its CONTINUATION frames merged
// and its block decoded; every other frame as the x/net type (*http2.DataFrame,
// *http2.SettingsFrame, ...). Each returned frame is a private copy the test
// may keep. Nothing arriving within the timeout, the connection closing or an
// unparseable frame fails the test.
func (p *Peer) ReadFrame() http2.Frame {
	p.T.Helper()
	f, err := p.next()
	if err != nil {
		p.fatalf("waiting for any frame: %v", err)
		return nil
	}
	return f
}

// next returns the frame held back by Handshake, if any, or the next frame
// from the connection.
func (p *Peer) next() (http2.Frame, error) {
	if len(p.pending) > 0 {
		f := p.pending[0]
		p.pending = p.pending[1:]
		return f, nil
	}
	return p.readWire(time.Now().Add(p.Timeout()))
}

// readWire reads one frame (a whole header block for HEADERS) from the
// connection, parses a private copy of it and logs it.
func (p *Peer) readWire(deadline time.Time) (http2.Frame, error) {
	if p.readErr != nil {
		return nil, fmt.Errorf("an earlier read already failed, so the connection is no longer in step: %w", p.readErr)
	}
	p.applyOwnSettings()
	f, err := p.readOne(deadline)
	if err != nil {
		return nil, err
	}
	switch f := f.(type) {
	case *http2.HeadersFrame:
		return p.readHeaderBlock(f, deadline)
	case *http2.SettingsFrame:
		p.logf("← %s", summarize(f))
		if !f.IsAck() {
			if err := p.applyPeerSettings(f); err != nil {
				return nil, err
			}
		}
	default:
		p.logf("← %s", summarize(f))
	}
	return f, nil
}

// readOne reads exactly one frame with the Peer's Framer, which checks sizes
// and HEADERS/CONTINUATION order, and returns a private copy of it.
func (p *Peer) readOne(deadline time.Time) (http2.Frame, error) {
	p.Conn.SetReadDeadline(deadline)
	p.rec.buf = p.rec.buf[:0]
	if _, err := p.Fr.ReadFrame(); err != nil {
		return nil, p.readError(err)
	}
	f, err := parseFrame(p.rec.buf)
	if err != nil {
		// The Framer accepted these very bytes; failing now is a bug here.
		p.readErr = fmt.Errorf("h2test could not re-parse a frame its Framer accepted (% x): %v", p.rec.buf, err)
		return nil, p.readErr
	}
	return f, nil
}

// readError turns a Framer error into a sentence that says what the other
// side did, and remembers it when the connection can no longer be read in
// step (anything but a timeout before the first byte of a frame).
func (p *Peer) readError(err error) error {
	got := p.rec.buf
	switch {
	case isTimeout(err) && len(got) == 0:
		return timeoutError{p.Timeout()}
	case isTimeout(err):
		err = fmt.Errorf("timed out after %v in the middle of a frame, after %d bytes (% x)", p.Timeout(), len(got), head(got))
	case errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe): // net.Pipe's word for a local close
		err = fmt.Errorf("this Peer's own connection is closed (by Close, or by the test's cleanup): %v", err)
	case len(got) == 0 && isClosed(err):
		p.readErr = errClosed
		return fmt.Errorf("%w (%v)", errClosed, err)
	case isClosed(err):
		err = fmt.Errorf("the other side closed the connection in the middle of a frame, after %d bytes (% x): %v", len(got), head(got), err)
	case errors.Is(err, http2.ErrFrameTooLarge):
		fh, _ := http2.ReadFrameHeader(bytes.NewReader(got))
		err = fmt.Errorf("the other side sent a %d-byte %v frame, over the SETTINGS_MAX_FRAME_SIZE this Peer advertised (RFC 9113 §4.2: FRAME_SIZE_ERROR)", fh.Length, fh.Type)
	default:
		var ce http2.ConnectionError
		var se http2.StreamError
		detail := ""
		if d := p.Fr.ErrorDetail(); d != nil {
			detail = ": " + d.Error()
		}
		if errors.As(err, &ce) || errors.As(err, &se) {
			err = fmt.Errorf("the other side sent an invalid frame (% x): %v%s", head(got), err, detail)
		} else {
			err = fmt.Errorf("reading a frame (% x): %v", head(got), err)
		}
	}
	if len(got) > 0 {
		p.logf("← %d bytes that are not a valid frame: % x", len(got), head(got))
	}
	p.readErr = err
	return err
}

// timeoutError is a read that saw no byte of a frame before the deadline; the
// connection is still in step, which ExpectNoFrame relies on.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string { return fmt.Sprintf("nothing arrived within %v", e.d) }

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET)
}

// head limits raw bytes quoted in an error to the first summaryBytes.
func head(b []byte) []byte {
	if len(b) > summaryBytes {
		return b[:summaryBytes]
	}
	return b
}

// readHeaderBlock reads the CONTINUATION frames that complete first's header
// block and decodes it (RFC 9113 §4.3: a header block is one HEADERS frame and
// the CONTINUATION frames that immediately follow it on the same stream; the
// Framer rejects anything else in between).
func (p *Peer) readHeaderBlock(first *http2.HeadersFrame, deadline time.Time) (http2.Frame, error) {
	block := append([]byte(nil), first.HeaderBlockFragment()...)
	h := &Headers{HeadersFrame: first, StreamID: first.StreamID, EndStream: first.StreamEnded()}
	for ended := first.HeadersEnded(); !ended; {
		f, err := p.readOne(deadline)
		if err != nil {
			p.logf("← %s (header block incomplete after %d CONTINUATION)", summarize(first), h.Continuations)
			return nil, fmt.Errorf("waiting for CONTINUATION on stream %d: %w", first.StreamID, err)
		}
		c := f.(*http2.ContinuationFrame) // the Framer's order check guarantees it
		block = append(block, c.HeaderBlockFragment()...)
		h.Continuations++
		ended = c.HeadersEnded()
	}
	fields, err := p.dec.DecodeFull(block)
	if err != nil {
		p.logf("← %s (the whole %d-byte block does not decode)", summarize(first), len(block))
		p.readErr = fmt.Errorf("the header block on stream %d does not decode, a COMPRESSION_ERROR (RFC 9113 §4.3): %v", first.StreamID, err)
		return nil, p.readErr
	}
	h.Fields = fields
	p.logf("← %s", summarize(h))
	return h, nil
}

// applyOwnSettings makes the read side follow what this Peer advertised in
// SETTINGS: the HPACK table the other side may use and the largest frame it
// may send. (Strictly they bind only once acknowledged; applying them at once
// is looser only for frames already in flight.)
func (p *Peer) applyOwnSettings() {
	p.mu.Lock()
	own := p.ownSettings
	p.ownSettings = nil
	p.mu.Unlock()
	for _, s := range own {
		switch s.ID {
		case http2.SettingHeaderTableSize:
			p.dec.SetAllowedMaxDynamicTableSize(s.Val)
		case http2.SettingMaxFrameSize:
			p.Fr.SetMaxReadFrameSize(min(max(s.Val, initialMaxFrameSize), maxAllowedFrameSize))
		}
	}
}

// applyPeerSettings makes the write side follow the other side's SETTINGS,
// which RFC 9113 §6.5.3 says the receiver applies immediately: the HPACK
// table size the encoder may use and the largest frame WriteHeaders may send.
// An invalid value is the other side's bug and fails the read.
func (p *Peer) applyPeerSettings(f *http2.SettingsFrame) error {
	return f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			p.readErr = fmt.Errorf("the other side sent an invalid setting %v (RFC 9113 §6.5.2): %v", s, err)
			return p.readErr
		}
		switch s.ID {
		case http2.SettingHeaderTableSize:
			p.wmu.Lock()
			p.enc.SetMaxDynamicTableSizeLimit(s.Val)
			p.wmu.Unlock()
			p.sent.setPeerTableSize(s.Val)
		case http2.SettingMaxFrameSize:
			p.wmu.Lock()
			p.peerMaxFrame = s.Val
			p.wmu.Unlock()
		}
		return nil
	})
}
