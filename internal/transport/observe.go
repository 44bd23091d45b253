package transport

import (
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// Reporting frames to the connection's observe.Observer (Config.Observer),
// which the frame trace is built on.

// observing reports whether an Observer is set.
func (c *Conn) observing() bool { return c.cfg.Observer != nil }

func (c *Conn) observe(ev *observe.FrameEvent) {
	ev.Time = time.Now()
	c.cfg.Observer.ObserveFrame(ev)
}

// StartTime is when the connection was set up; observers print times
// relative to it.
func (c *Conn) StartTime() time.Time { return c.start }

// frameHeader builds the FrameHeader of an event for a frame we wrote.
func frameHeader(t http2.FrameType, fl http2.Flags, id, length uint32) http2.FrameHeader {
	return http2.FrameHeader{Type: t, Flags: fl, StreamID: id, Length: length}
}
