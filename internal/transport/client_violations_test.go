package transport

import (
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
)

// serverViolations is the client side of RFC 9113's error handling: what a
// client connection answers when the server breaks the protocol. Each row
// runs after the client opened stream 1 (a request with END_STREAM) and the
// scripted server read it; stream 0 in want means a connection error
// (GOAWAY with code), any other a stream error (RST_STREAM with code).
var serverViolations = []struct {
	rfc, name string
	do        func(p *h2test.Peer)
	stream    uint32
	code      http2.ErrCode
}{
	{"§8.1", "DATA before the response HEADERS", func(p *h2test.Peer) {
		p.WriteData(1, false, []byte("early"))
	}, 1, http2.ErrCodeProtocol},
	{"§8.1", "a second HEADERS block without END_STREAM", func(p *h2test.Peer) {
		p.WriteHeaders(1, false, ":status", "200")
		p.WriteHeaders(1, false, "x-more", "headers")
	}, 1, http2.ErrCodeProtocol},
	{"§5.1", "HEADERS on a stream the client never opened", func(p *h2test.Peer) {
		p.WriteHeaders(3, false, ":status", "200")
	}, 0, http2.ErrCodeProtocol},
	{"§5.1.1", "HEADERS on an even stream", func(p *h2test.Peer) {
		p.WriteHeaders(2, false, ":status", "200")
	}, 0, http2.ErrCodeProtocol},
	{"§8.4", "PUSH_PROMISE to a client that disabled push", func(p *h2test.Peer) {
		p.Fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: p.EncodeHeaders(":method", "GET"), EndHeaders: true})
	}, 0, http2.ErrCodeProtocol},
	{"§4.2", "DATA larger than SETTINGS_MAX_FRAME_SIZE", func(p *h2test.Peer) {
		p.WriteHeaders(1, false, ":status", "200")
		p.WriteData(1, false, make([]byte, 16385))
	}, 0, http2.ErrCodeFrameSize},
	{"§6.9.1", "DATA beyond the stream's window", func(p *h2test.Peer) {
		p.WriteHeaders(1, false, ":status", "200")
		chunk := make([]byte, 16384)
		for range 4 {
			p.WriteData(1, false, chunk)
		}
	}, 1, http2.ErrCodeFlowControl},
	{"§6.9.1", "stream window over 2^31-1", func(p *h2test.Peer) {
		p.WriteHeaders(1, false, ":status", "200")
		p.WriteWindowUpdate(1, 1<<31-1)
	}, 1, http2.ErrCodeFlowControl},
	{"§6.9.1", "connection window over 2^31-1", func(p *h2test.Peer) {
		p.WriteWindowUpdate(0, 1<<31-1)
	}, 0, http2.ErrCodeFlowControl},
	{"§6.5.2", "SETTINGS_MAX_FRAME_SIZE below 16384", func(p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 0, []byte{0, 5, 0, 0, 0x3f, 0xff})
	}, 0, http2.ErrCodeProtocol},
	{"§6.10", "CONTINUATION without HEADERS", func(p *h2test.Peer) {
		p.WriteContinuation(1, true, p.EncodeHeaders(":status", "200"))
	}, 0, http2.ErrCodeProtocol},
}

// TestServerViolations walks serverViolations against a client connection.
func TestServerViolations(t *testing.T) {
	for _, v := range serverViolations {
		t.Run(v.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			cnc, snc := h2test.Pipe(t)
			// A stream window of 65,535 bytes; the test never reads.
			c := NewClientConn(cnc, Config{})
			done := make(chan error, 1)
			go func() { done <- c.Run() }()
			defer func() { c.Close(); <-done }()
			p := h2test.NewServer(t, snc)
			p.Handshake()
			s, err := c.OpenStream(requestFields("/pkg.Svc/M"), nil, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			p.ExpectHeaders(1, true)
			v.do(p)
			switch {
			case v.stream == 0:
				ga := p.ExpectGoAway(v.code)
				if len(ga.DebugData()) == 0 {
					t.Error("GOAWAY without debug data")
				}
				p.ExpectClosed(http2.FrameRSTStream)
				<-s.HeaderDone()
				if s.Err() == nil {
					t.Error("the stream did not fail with its connection")
				}
			default:
				p.ExpectRST(v.stream, v.code)
				<-s.HeaderDone()
				if s.Err() == nil {
					t.Error("the reset stream did not fail")
				}
			}
		})
	}
}
