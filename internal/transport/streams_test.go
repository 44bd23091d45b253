package transport

import (
	"testing"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
)

// TestMaxConcurrentStreamsEnforced: RFC 9113 §5.1.2, "An endpoint that
// receives a HEADERS frame that causes its advertised concurrent stream
// limit to be exceeded MUST treat this as a stream error of type
// PROTOCOL_ERROR or REFUSED_STREAM": a stream over the limit is refused
// (the client may retry it), the streams under it are served, and once one
// ends there is room again.
func TestMaxConcurrentStreamsEnforced(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	g := newGate()
	_, p := rawClient(t, Config{MaxConcurrentStreams: 2}, g)
	p.Handshake()
	request(t, p, 1, "one")
	request(t, p, 3, "three")
	g.waitStarted(t, 2)
	request(t, p, 5, "five")
	p.ExpectRST(5, http2.ErrCodeRefusedStream)
	p.ExpectNoFrame(20 * time.Millisecond) // and nothing else for stream 5, its DATA included

	close(g.open)
	expectEchoes(t, p, 1, 3)
	request(t, p, 7, "seven")
	if got := expectEchoes(t, p, 7); got[7] != "seven" {
		t.Errorf("stream 7 after the others ended: %q", got[7])
	}
}
