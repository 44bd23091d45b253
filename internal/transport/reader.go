package transport

import (
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

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
