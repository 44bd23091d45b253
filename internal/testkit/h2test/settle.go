package h2test

import "golang.org/x/net/http2"

// settlePing is the payload of Settle's PING.
var settlePing = [8]byte{'s', 'e', 't', 't', 'l', 'e'}

// Settle waits, by a PING round trip, until the other side has written
// what it was going to write in answer to the frames it has read, and
// reports whether one RST_STREAM with code on streamID came in the
// meantime. Any other frame but flow-control credit and acknowledgements
// (a second reset included) fails the test.
//
// It is for the resets whose timing the other side's scheduling decides: a
// server that answers a request before it has read the request's
// END_STREAM follows its response with RST_STREAM(NO_ERROR) (PROTOCOL-HTTP2.md,
// "Early Server Closure"), and a client that gives up on a response it
// cannot use resets the stream unless the server's END_STREAM reached it
// first. Tests that run several streams on one connection settle each
// before the next, so that such a reset cannot be taken for the next
// stream's frame.
func (p *Peer) Settle(streamID uint32, code http2.ErrCode) (reset bool) {
	p.T.Helper()
	p.WritePing(false, settlePing)
	for {
		switch f := p.ReadFrame().(type) {
		case nil:
			return reset // the read failed, and the test with it
		case *http2.PingFrame:
			if f.IsAck() && f.Data == settlePing {
				return reset
			}
		case *http2.RSTStreamFrame:
			if f.StreamID != streamID || f.ErrCode != code || reset {
				p.fatalf("unexpected RST_STREAM %v on stream %d while settling stream %d (accepting one %v)", f.ErrCode, f.StreamID, streamID, code)
				return reset
			}
			reset = true
		case *http2.WindowUpdateFrame, *http2.SettingsFrame:
		default:
			p.fatalf("unexpected %s while settling stream %d", summarize(f), streamID)
			return reset
		}
	}
}
