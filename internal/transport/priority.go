package transport

import (
	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// PRIORITY, RFC 9113 §6.3: the prioritization scheme is deprecated (§5.3.2)
// and ignored here, but a frame that makes a stream depend on itself is
// still an error (§5.3.1).

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
