package rawh2

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// ErrStreamEnded is returned by WriteData when the server ended the stream
// (RST_STREAM or END_STREAM) before all the data could be sent: a server may
// answer early, for instance to a message over its size limit.
var ErrStreamEnded = errors.New("the server ended the stream before the request was sent")

// observeSent tells the observer of a frame written.
func (c *Conn) observeSent(f *Frame) {
	if c.obs != nil {
		f.At = time.Now()
		c.obs.ObserveFrame(f.event(true))
	}
}

// writeDeadline arms the write deadline.
func (c *Conn) writeDeadline() {
	c.nc.SetWriteDeadline(c.deadline)
}

// WriteHeaders writes a header block of exactly the given fields, in
// order, whatever they are (upper case names, pseudo-headers anywhere):
// one HEADERS frame, and CONTINUATION frames when the block is larger than
// the server's SETTINGS_MAX_FRAME_SIZE.
func (c *Conn) WriteHeaders(id uint32, fields []hpack.HeaderField, endStream bool) error {
	c.encBuf.Reset()
	for _, f := range fields {
		if err := c.enc.WriteField(f); err != nil {
			return fmt.Errorf("encoding header field %q: %w", f.Name, err)
		}
	}
	block := c.encBuf.Bytes()
	max := int(c.peerMaxFrame)
	first := block
	if len(first) > max {
		first = block[:max]
	}
	rest := block[len(first):]
	c.writeDeadline()
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID:      id,
		BlockFragment: first,
		EndStream:     endStream,
		EndHeaders:    len(rest) == 0,
	}); err != nil {
		return c.writeError(err)
	}
	conts := 0
	for len(rest) > 0 {
		n := min(len(rest), max)
		if err := c.fr.WriteContinuation(id, n == len(rest), rest[:n]); err != nil {
			return c.writeError(err)
		}
		rest = rest[n:]
		conts++
	}
	if endStream {
		c.localEnded[id] = true
	}
	flags := http2.Flags(http2.FlagHeadersEndHeaders)
	if endStream {
		flags |= http2.FlagHeadersEndStream
	}
	c.observeSent(&Frame{Type: http2.FrameHeaders, Flags: flags, StreamID: id, Length: uint32(len(block)), Fields: fields, Continuations: conts})
	return nil
}

// WriteData writes data on stream id in as many DATA frames as the
// server's SETTINGS_MAX_FRAME_SIZE and flow-control windows require, with
// END_STREAM on the last one when endStream (an empty DATA frame when data
// is empty, as gRPC's EOS is). While the windows are closed it reads the
// server's frames, keeping them for Next and NextOn; if the server ends the
// stream meanwhile it returns ErrStreamEnded.
func (c *Conn) WriteData(id uint32, data []byte, endStream bool) error {
	for {
		if c.remoteEnded[id] {
			return ErrStreamEnded
		}
		if len(data) == 0 {
			if !endStream {
				return nil
			}
			return c.WriteDataFrame(id, nil, true)
		}
		n, err := c.awaitWindow(id, len(data))
		if err != nil {
			return err
		}
		last := n == len(data)
		if err := c.WriteDataFrame(id, data[:n], endStream && last); err != nil {
			return err
		}
		data = data[n:]
		if last {
			return nil
		}
	}
}

// awaitWindow waits until stream id may send at least one byte and returns
// how many of want it may send in one frame now.
func (c *Conn) awaitWindow(id uint32, want int) (int, error) {
	for {
		n := min(int64(want), int64(c.peerMaxFrame), c.sendConn, c.sendStream[id])
		if n > 0 {
			return int(n), nil
		}
		if c.remoteEnded[id] {
			return 0, ErrStreamEnded
		}
		f, err := c.readWire()
		if err != nil {
			return 0, fmt.Errorf("waiting for flow-control window on stream %d (connection %d, stream %d bytes): %w", id, c.sendConn, c.sendStream[id], err)
		}
		if f.Type == http2.FrameWindowUpdate || f.Type == http2.FrameSettings || f.Type == http2.FramePing {
			continue
		}
		if f.StreamID != 0 {
			if c.nbacklog >= maxBacklog {
				return 0, fmt.Errorf("the server sent more than %d frames while stream %d waited for window", maxBacklog, id)
			}
			c.backlog[f.StreamID] = append(c.backlog[f.StreamID], f)
			c.queued = append(c.queued, f)
			c.nbacklog++
		}
	}
}

// WriteDataFrame writes exactly one DATA frame, whatever its size: a check
// that splits a message across frames chooses every frame. It counts
// against the send windows but does not wait for them.
func (c *Conn) WriteDataFrame(id uint32, data []byte, endStream bool) error {
	c.writeDeadline()
	if err := c.fr.WriteData(id, endStream, data); err != nil {
		return c.writeError(err)
	}
	c.sendConn -= int64(len(data))
	c.sendStream[id] -= int64(len(data))
	if endStream {
		c.localEnded[id] = true
	}
	var flags http2.Flags
	if endStream {
		flags = http2.FlagDataEndStream
	}
	c.observeSent(&Frame{Type: http2.FrameData, Flags: flags, StreamID: id, Length: uint32(len(data)), Data: data})
	return nil
}

// WriteRSTStream resets stream id with code.
func (c *Conn) WriteRSTStream(id uint32, code http2.ErrCode) error {
	c.writeDeadline()
	if err := c.fr.WriteRSTStream(id, code); err != nil {
		return c.writeError(err)
	}
	c.localEnded[id] = true
	c.observeSent(&Frame{Type: http2.FrameRSTStream, StreamID: id, Length: 4, ErrCode: code})
	return nil
}

// WritePing writes a PING with data.
func (c *Conn) WritePing(data [8]byte) error {
	return c.writePing(false, data)
}

func (c *Conn) writePing(ack bool, data [8]byte) error {
	c.writeDeadline()
	if err := c.fr.WritePing(ack, data); err != nil {
		return c.writeError(err)
	}
	var flags http2.Flags
	if ack {
		flags = http2.FlagPingAck
	}
	c.observeSent(&Frame{Type: http2.FramePing, Flags: flags, Length: 8, Ping: data})
	return nil
}

// WriteWindowUpdate grants the server incr more bytes on stream id (0: the
// connection).
func (c *Conn) WriteWindowUpdate(id, incr uint32) error {
	c.writeDeadline()
	if err := c.fr.WriteWindowUpdate(id, incr); err != nil {
		return c.writeError(err)
	}
	c.observeSent(&Frame{Type: http2.FrameWindowUpdate, StreamID: id, Length: 4, Increment: incr})
	return nil
}

// WriteSettings writes a SETTINGS frame with settings.
func (c *Conn) WriteSettings(settings ...http2.Setting) error {
	c.writeDeadline()
	if err := c.fr.WriteSettings(settings...); err != nil {
		return c.writeError(err)
	}
	c.observeSent(&Frame{Type: http2.FrameSettings, Length: uint32(6 * len(settings)), Settings: settings})
	return nil
}

// WriteSettingsAck acknowledges the server's SETTINGS.
func (c *Conn) WriteSettingsAck() error {
	c.writeDeadline()
	if err := c.fr.WriteSettingsAck(); err != nil {
		return c.writeError(err)
	}
	c.observeSent(&Frame{Type: http2.FrameSettings, Flags: http2.FlagSettingsAck})
	return nil
}

// writeError says what a failed write means: mostly that the server
// closed the connection, or stopped reading until the deadline.
func (c *Conn) writeError(err error) error {
	return fmt.Errorf("writing to the server: %w", c.readError(err))
}
