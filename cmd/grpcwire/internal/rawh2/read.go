package rawh2

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/net/http2"
)

// ErrTimeout is the error of a read that reached the deadline.
var ErrTimeout = errors.New("nothing arrived before the deadline")

// ErrClosed is the error of a read that found the connection closed by the
// server.
var ErrClosed = errors.New("the server closed the connection")

// Next returns the next frame the server sent, of any stream: frames kept
// while waiting for something else first, then from the connection. The
// frames a Conn answers by itself (SETTINGS, PING) are returned too, after
// they were answered.
func (c *Conn) Next() (*Frame, error) {
	if len(c.queued) > 0 {
		f := c.queued[0]
		c.queued = c.queued[1:]
		c.unbacklog(f)
		return f, nil
	}
	return c.readWire()
}

// NextOn returns the next frame of stream id, keeping frames of other
// streams for later; connection frames (stream 0) are handled and dropped,
// a GOAWAY recorded in c.GoAway. It returns the GOAWAY itself when the
// server will not process stream id (its last stream id is lower), since
// nothing more will come for it.
func (c *Conn) NextOn(id uint32) (*Frame, error) {
	if q := c.backlog[id]; len(q) > 0 {
		f := q[0]
		c.backlog[id] = q[1:]
		c.nbacklog--
		c.dropQueued(f)
		return f, nil
	}
	for {
		f, err := c.readWire()
		if err != nil {
			return nil, err
		}
		switch {
		case f.StreamID == id:
			return f, nil
		case f.Type == http2.FrameGoAway && f.LastStreamID < id:
			return f, nil
		case f.StreamID == 0:
			continue
		}
		if c.nbacklog >= maxBacklog {
			return nil, fmt.Errorf("the server sent more than %d frames on other streams while stream %d waited", maxBacklog, id)
		}
		c.backlog[f.StreamID] = append(c.backlog[f.StreamID], f)
		c.queued = append(c.queued, f)
		c.nbacklog++
	}
}

// unbacklog removes f, returned by Next from the queue, from its stream's
// backlog.
func (c *Conn) unbacklog(f *Frame) {
	q := c.backlog[f.StreamID]
	for i, g := range q {
		if g == f {
			c.backlog[f.StreamID] = append(q[:i:i], q[i+1:]...)
			c.nbacklog--
			return
		}
	}
}

// dropQueued removes f, returned by NextOn from its stream's backlog, from
// the queue of Next.
func (c *Conn) dropQueued(f *Frame) {
	for i, g := range c.queued {
		if g == f {
			c.queued = append(c.queued[:i:i], c.queued[i+1:]...)
			return
		}
	}
}

// readWire reads one frame from the connection (a whole header block for
// HEADERS), answers what the connection must answer, and returns it.
func (c *Conn) readWire() (*Frame, error) {
	if c.readErr != nil {
		return nil, fmt.Errorf("%w: %w", errNoProgress, c.readErr)
	}
	f, err := c.readOne()
	if err != nil {
		c.readErr = err
		return nil, err
	}
	if c.obs != nil {
		c.obs.ObserveFrame(f.event(false))
	}
	if err := c.process(f); err != nil {
		c.readErr = err
		return nil, err
	}
	return f, nil
}

// readOne reads one frame and copies it out of the Framer.
func (c *Conn) readOne() (*Frame, error) {
	c.nc.SetReadDeadline(c.deadline)
	fr, err := c.fr.ReadFrame()
	if err != nil {
		return nil, c.readError(err)
	}
	f := &Frame{Type: fr.Header().Type, Flags: fr.Header().Flags, StreamID: fr.Header().StreamID, Length: fr.Header().Length, At: time.Now()}
	switch fr := fr.(type) {
	case *http2.HeadersFrame:
		return c.readHeaderBlock(f, fr)
	case *http2.ContinuationFrame:
		// The Framer lets no CONTINUATION through outside a header block.
		return nil, fmt.Errorf("the server sent a CONTINUATION frame outside a header block (RFC 9113 §6.10)")
	case *http2.DataFrame:
		f.Data = append([]byte(nil), fr.Data()...)
	case *http2.RSTStreamFrame:
		f.ErrCode = fr.ErrCode
	case *http2.GoAwayFrame:
		f.ErrCode = fr.ErrCode
		f.LastStreamID = fr.LastStreamID
		f.DebugData = append([]byte(nil), fr.DebugData()...)
	case *http2.WindowUpdateFrame:
		f.Increment = fr.Increment
	case *http2.PingFrame:
		f.Ping = fr.Data
	case *http2.SettingsFrame:
		err := fr.ForeachSetting(func(s http2.Setting) error {
			f.Settings = append(f.Settings, s)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// readHeaderBlock reads the CONTINUATION frames that complete a header
// block (the Framer checks that nothing else comes in between, RFC 9113
// §6.10) and decodes the block.
func (c *Conn) readHeaderBlock(f *Frame, first *http2.HeadersFrame) (*Frame, error) {
	block := append([]byte(nil), first.HeaderBlockFragment()...)
	for ended := first.HeadersEnded(); !ended; {
		fr, err := c.fr.ReadFrame()
		if err != nil {
			return nil, fmt.Errorf("in the header block of stream %d: %w", f.StreamID, c.readError(err))
		}
		cf, ok := fr.(*http2.ContinuationFrame)
		if !ok {
			return nil, fmt.Errorf("the server interrupted the header block of stream %d with %v (RFC 9113 §6.10)", f.StreamID, fr.Header().Type)
		}
		block = append(block, cf.HeaderBlockFragment()...)
		if len(block) > MaxHeaderBlock {
			return nil, fmt.Errorf("the server's header block on stream %d exceeds %d bytes", f.StreamID, MaxHeaderBlock)
		}
		f.Continuations++
		f.Length += cf.Header().Length
		ended = cf.HeadersEnded()
	}
	fields, err := c.dec.DecodeFull(block)
	if err != nil {
		return nil, fmt.Errorf("the server's header block on stream %d does not decode, a COMPRESSION_ERROR (RFC 9113 §4.3): %v", f.StreamID, err)
	}
	f.Fields = fields
	return f, nil
}

// readError says what a Framer error means.
func (c *Conn) readError(err error) error {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%w (%v)", ErrClosed, err)
	case errors.Is(err, http2.ErrFrameTooLarge):
		return fmt.Errorf("the server sent a frame over the %d-byte SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2)", maxReadFrame)
	}
	detail := ""
	if d := c.fr.ErrorDetail(); d != nil {
		detail = " (" + d.Error() + ")"
	}
	return fmt.Errorf("the server sent an invalid frame: %v%s", err, detail)
}

// process does what the connection owes the server for f: SETTINGS are
// applied and acknowledged, PINGs answered, windows updated, DATA given
// its window back.
func (c *Conn) process(f *Frame) error {
	switch f.Type {
	case http2.FrameSettings:
		if f.Flags.Has(http2.FlagSettingsAck) {
			return nil
		}
		for _, s := range f.Settings {
			if err := s.Valid(); err != nil {
				return fmt.Errorf("the server sent an invalid setting %v (RFC 9113 §6.5.2): %v", s, err)
			}
			switch s.ID {
			case http2.SettingMaxFrameSize:
				c.peerMaxFrame = s.Val
			case http2.SettingHeaderTableSize:
				c.enc.SetMaxDynamicTableSizeLimit(s.Val)
			case http2.SettingInitialWindowSize:
				// RFC 9113 §6.9.2: the change applies to every stream's
				// window at once.
				delta := int64(s.Val) - c.peerInitialWindow
				c.peerInitialWindow = int64(s.Val)
				for id := range c.sendStream {
					c.sendStream[id] += delta
				}
			}
		}
		return c.WriteSettingsAck()
	case http2.FramePing:
		if !f.Flags.Has(http2.FlagPingAck) {
			return c.writePing(true, f.Ping)
		}
	case http2.FrameWindowUpdate:
		if f.StreamID == 0 {
			c.sendConn += int64(f.Increment)
		} else if _, ok := c.sendStream[f.StreamID]; ok {
			c.sendStream[f.StreamID] += int64(f.Increment)
		}
	case http2.FrameData:
		if f.EndStream() {
			c.remoteEnded[f.StreamID] = true
		}
		if !c.manualWU && f.Length > 0 {
			if err := c.WriteWindowUpdate(0, f.Length); err != nil {
				return err
			}
			if !c.remoteEnded[f.StreamID] && !c.localEnded[f.StreamID] {
				return c.WriteWindowUpdate(f.StreamID, f.Length)
			}
		}
	case http2.FrameHeaders:
		if f.EndStream() {
			c.remoteEnded[f.StreamID] = true
		}
	case http2.FrameRSTStream:
		c.remoteEnded[f.StreamID] = true
	case http2.FrameGoAway:
		c.GoAway = f
	}
	return nil
}

// RemoteEnded reports whether the server ended stream id, with END_STREAM
// or RST_STREAM.
func (c *Conn) RemoteEnded(id uint32) bool { return c.remoteEnded[id] }
