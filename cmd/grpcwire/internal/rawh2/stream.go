package rawh2

import (
	"fmt"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Response is everything the server sent on one stream until it ended its
// side, reset the stream, or the connection failed.
type Response struct {
	StreamID uint32
	// Frames are the stream's frames, in the order they came.
	Frames []*Frame
	// Blocks are the header blocks, in order: Response-Headers and
	// Trailers, or one Trailers-Only block.
	Blocks [][]hpack.HeaderField
	// Data is the stream's DATA payloads, concatenated; DataFrames counts
	// the frames.
	Data       []byte
	DataFrames int
	// Ended is true when the server ended its side with END_STREAM.
	Ended bool
	// Reset is true when the server reset the stream; ResetCode is the
	// RST_STREAM code.
	Reset     bool
	ResetCode http2.ErrCode
	// GoAway is the GOAWAY that said the server will not process the
	// stream (its last stream id is lower).
	GoAway *Frame
	// Err is why reading stopped before any of those: a timeout, the
	// connection closed, a frame that could not be read.
	Err error
	// Last is when the last frame of the stream arrived.
	Last time.Time
}

// Headers returns the first header block: the Response-Headers, or the
// Trailers-Only block.
func (r *Response) Headers() []hpack.HeaderField {
	if len(r.Blocks) == 0 {
		return nil
	}
	return r.Blocks[0]
}

// TrailersOnly reports whether the response is one header block that
// ended the stream with nothing before it.
func (r *Response) TrailersOnly() bool {
	return len(r.Blocks) == 1 && r.DataFrames == 0 && r.Ended && len(r.Frames) > 0 &&
		r.Frames[len(r.Frames)-1].Type == http2.FrameHeaders
}

// Trailers returns the header block that ended the stream: the Trailers,
// or the Trailers-Only block; nil when the stream did not end with one.
func (r *Response) Trailers() []hpack.HeaderField {
	if !r.Ended || len(r.Frames) == 0 {
		return nil
	}
	last := r.Frames[len(r.Frames)-1]
	if last.Type != http2.FrameHeaders {
		return nil
	}
	return last.Fields
}

// Outcome describes in a few words how the stream ended, for a check's
// "got".
func (r *Response) Outcome() string {
	switch {
	case r.Reset:
		return fmt.Sprintf("RST_STREAM %v after %d frames", r.ResetCode, len(r.Frames)-1)
	case r.GoAway != nil:
		return "GOAWAY " + r.GoAway.String() + " (the stream was not processed)"
	case r.Err != nil:
		return fmt.Sprintf("no end of stream after %d frames: %v", len(r.Frames), r.Err)
	case r.Ended:
		return "END_STREAM"
	}
	return "nothing"
}

// ReadResponse reads the frames of stream id until the server ends or
// resets it, a GOAWAY says it will not be processed, or reading fails;
// frames of other streams are kept for later.
func (c *Conn) ReadResponse(id uint32) *Response {
	r := &Response{StreamID: id}
	for {
		f, err := c.NextOn(id)
		if err != nil {
			r.Err = err
			return r
		}
		if f.Type == http2.FrameGoAway {
			r.GoAway = f
			return r
		}
		r.Frames = append(r.Frames, f)
		r.Last = f.At
		switch f.Type {
		case http2.FrameHeaders:
			r.Blocks = append(r.Blocks, f.Fields)
		case http2.FrameData:
			r.DataFrames++
			if len(r.Data)+len(f.Data) > MaxStreamData {
				r.Err = fmt.Errorf("the server sent more than %d bytes of DATA on stream %d", MaxStreamData, id)
				return r
			}
			r.Data = append(r.Data, f.Data...)
		case http2.FrameRSTStream:
			r.Reset, r.ResetCode = true, f.ErrCode
			return r
		}
		if f.EndStream() {
			r.Ended = true
			return r
		}
	}
}

// NextOnWithin is NextOn bounded by d (and by the connection's deadline):
// a check that waits for a frame the server should send at once does not
// wait for the whole check's time.
func (c *Conn) NextOnWithin(id uint32, d time.Duration) (*Frame, error) {
	saved := c.deadline
	dl := time.Now().Add(d)
	if !saved.IsZero() && saved.Before(dl) {
		dl = saved
	}
	c.deadline = dl
	defer func() { c.deadline = saved }()
	f, err := c.NextOn(id)
	if err == ErrTimeout {
		// A timeout between frames leaves the connection in step.
		c.readErr = nil
	}
	return f, err
}

// Ping writes a PING and reads until its acknowledgement, keeping the
// frames of streams for later: the connection is alive and in order. It
// returns the frames of stream 0 that came before the ACK (a GOAWAY, say).
func (c *Conn) Ping(data [8]byte) ([]*Frame, error) {
	if err := c.WritePing(data); err != nil {
		return nil, err
	}
	var conn []*Frame
	for {
		f, err := c.readWire()
		if err != nil {
			return conn, fmt.Errorf("waiting for the PING's ACK: %w", err)
		}
		if f.StreamID != 0 {
			if c.nbacklog >= maxBacklog {
				return conn, fmt.Errorf("the server sent more than %d frames before acknowledging a PING", maxBacklog)
			}
			c.backlog[f.StreamID] = append(c.backlog[f.StreamID], f)
			c.queued = append(c.queued, f)
			c.nbacklog++
			continue
		}
		if f.Type == http2.FramePing && f.Flags.Has(http2.FlagPingAck) {
			if f.Ping != data {
				return conn, fmt.Errorf("the PING ACK carries % x, not the % x sent (RFC 9113 §6.7)", f.Ping[:], data[:])
			}
			return conn, nil
		}
		conn = append(conn, f)
	}
}

// Pending returns the frames of stream id read so far and kept for later,
// without consuming them.
func (c *Conn) Pending(id uint32) []*Frame {
	return append([]*Frame(nil), c.backlog[id]...)
}
