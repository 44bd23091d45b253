package transport

import (
	"grpcwire/observe"

	"golang.org/x/net/http2"
)

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
