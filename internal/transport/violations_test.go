package transport

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
)

// violation is one row of the protocol-violation table: what the client
// does wrong, and the error RFC 9113 says the server answers with.
type violation struct {
	rfc  string // the section that says so
	name string
	// do breaks the protocol on a connection after the handshake. Stream 1
	// is gated (its handler waits), so rows that need an open stream open
	// it; rows that need a closed one finish it first.
	do func(t *testing.T, p *h2test.Peer)
	// stream is 0 for a connection error (GOAWAY with code, then the
	// connection closes) and the stream id for a stream error (RST_STREAM
	// with code, and the connection goes on).
	stream uint32
	code   http2.ErrCode
	// last is the GOAWAY's last stream id for a connection error.
	last uint32
}

// openCall opens stream id with a whole unary request whose handler waits
// at the test's gate.
func openCall(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	request(t, p, id, "gated")
}

// finishedCall runs a whole call on stream id (echoPath, which is not
// gated) so that the stream is closed.
func finishedCall(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	p.WriteGRPCRequestHeaders(id, echoPath, false)
	p.WriteGRPCMessage(id, true, false, []byte("done"))
	expectEchoes(t, p, id)
}

// settingsPayload is the payload of a SETTINGS frame with one setting.
func settingsPayload(id http2.SettingID, val uint32) []byte {
	b := make([]byte, 6)
	binary.BigEndian.PutUint16(b, uint16(id))
	binary.BigEndian.PutUint32(b[2:], val)
	return b
}

// violations is RFC 9113's answer to each kind of protocol violation, by
// section. §5.4.1: "An endpoint that encounters a connection error SHOULD
// first send a GOAWAY frame ... containing the last stream identifier that
// it successfully received from its peer. The GOAWAY frame includes an error
// code ... that indicates why the connection is terminating. After sending
// the GOAWAY frame for an error condition, the endpoint MUST close the TCP
// connection." §5.4.2: "An endpoint that detects a stream error sends a
// RST_STREAM frame ... that contains the stream identifier of the stream
// where the error occurred."
var violations = []violation{
	// Frames on idle and closed streams.
	{"§6.1, §5.1", "DATA before HEADERS (DATA on an idle stream)", func(t *testing.T, p *h2test.Peer) {
		p.WriteData(1, false, []byte("early"))
	}, 0, http2.ErrCodeProtocol, 0},
	{"§5.1", "WINDOW_UPDATE on an idle stream", func(t *testing.T, p *h2test.Peer) {
		p.WriteWindowUpdate(1, 100)
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.4", "RST_STREAM on an idle stream", func(t *testing.T, p *h2test.Peer) {
		p.WriteRST(1, http2.ErrCodeCancel)
	}, 0, http2.ErrCodeProtocol, 0},
	{"§5.1", "DATA on a half-closed (remote) stream", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.WriteData(1, false, []byte("after END_STREAM"))
	}, 1, http2.ErrCodeStreamClosed, 0},
	{"§5.1", "DATA on a closed stream", func(t *testing.T, p *h2test.Peer) {
		finishedCall(t, p, 1)
		p.WriteData(1, false, []byte("too late"))
	}, 1, http2.ErrCodeStreamClosed, 0},
	{"§5.1", "HEADERS on a closed stream", func(t *testing.T, p *h2test.Peer) {
		finishedCall(t, p, 1)
		p.WriteGRPCRequestHeaders(1, echoPath, true)
	}, 0, http2.ErrCodeStreamClosed, 1},
	{"§5.1.1", "HEADERS on an even (server-initiated) stream", func(t *testing.T, p *h2test.Peer) {
		p.WriteGRPCRequestHeaders(2, echoPath, true)
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.1", "DATA on stream 0", func(t *testing.T, p *h2test.Peer) {
		p.WriteData(0, false, []byte("x"))
	}, 0, http2.ErrCodeProtocol, 0},

	// Flow control.
	{"§6.9.1", "connection window over 2^31-1", func(t *testing.T, p *h2test.Peer) {
		p.WriteWindowUpdate(0, 1<<31-1)
	}, 0, http2.ErrCodeFlowControl, 0},
	{"§6.9.1", "stream window over 2^31-1", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.WriteWindowUpdate(1, 1<<31-1)
	}, 1, http2.ErrCodeFlowControl, 0},
	{"§6.9", "WINDOW_UPDATE of 0 on the connection", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameWindowUpdate, 0, 0, []byte{0, 0, 0, 0})
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.9", "WINDOW_UPDATE of 0 on a stream", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.WriteRaw(http2.FrameWindowUpdate, 0, 1, []byte{0, 0, 0, 0})
	}, 1, http2.ErrCodeProtocol, 0},
	{"§6.9.1", "DATA beyond the stream's window", func(t *testing.T, p *h2test.Peer) {
		// The bulkPath handler never reads, and the server's stream
		// window is RFC 9113's initial 65,535 bytes.
		p.WriteGRPCRequestHeaders(1, bulkPath, false)
		chunk := make([]byte, 16384)
		for range 4 {
			p.WriteData(1, false, chunk)
		}
		p.WriteData(1, false, chunk[:1000])
	}, 1, http2.ErrCodeFlowControl, 0},

	// Frame sizes.
	{"§4.2", "DATA larger than SETTINGS_MAX_FRAME_SIZE", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.WriteData(1, false, make([]byte, 16385))
	}, 0, http2.ErrCodeFrameSize, 1},
	{"§4.2", "HEADERS larger than SETTINGS_MAX_FRAME_SIZE", func(t *testing.T, p *h2test.Peer) {
		p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: make([]byte, 16385), EndHeaders: true})
	}, 0, http2.ErrCodeFrameSize, 0},
	{"§6.7", "PING of 7 bytes", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FramePing, 0, 0, make([]byte, 7))
	}, 0, http2.ErrCodeFrameSize, 0},

	// SETTINGS.
	{"§6.5.2", "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 0, settingsPayload(http2.SettingInitialWindowSize, 1<<31))
	}, 0, http2.ErrCodeFlowControl, 0},
	{"§6.5.2", "SETTINGS_MAX_FRAME_SIZE below 16384", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 0, settingsPayload(http2.SettingMaxFrameSize, 16383))
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.5.2", "SETTINGS_MAX_FRAME_SIZE above 2^24-1", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 0, settingsPayload(http2.SettingMaxFrameSize, 1<<24))
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.5.2", "SETTINGS_ENABLE_PUSH of 2", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 0, settingsPayload(http2.SettingEnablePush, 2))
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.5", "SETTINGS of 5 bytes", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 0, make([]byte, 5))
	}, 0, http2.ErrCodeFrameSize, 0},
	{"§6.5", "SETTINGS ACK with a payload", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, http2.FlagSettingsAck, 0, make([]byte, 6))
	}, 0, http2.ErrCodeFrameSize, 0},
	{"§6.5", "SETTINGS on a stream", func(t *testing.T, p *h2test.Peer) {
		p.WriteRaw(http2.FrameSettings, 0, 1, nil)
	}, 0, http2.ErrCodeProtocol, 0},

	// Header blocks.
	{"§6.10", "CONTINUATION without HEADERS", func(t *testing.T, p *h2test.Peer) {
		p.WriteContinuation(1, true, p.EncodeHeaders("x-a", "b"))
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.10", "CONTINUATION after a complete header block", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.WriteContinuation(1, true, p.EncodeHeaders("x-a", "b"))
	}, 0, http2.ErrCodeProtocol, 1},
	{"§6.10", "HEADERS without END_HEADERS, then another stream's HEADERS", func(t *testing.T, p *h2test.Peer) {
		p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: p.EncodeHeaders(":method", "POST")})
		p.WriteGRPCRequestHeaders(3, echoPath, true)
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.10", "HEADERS without END_HEADERS, then another stream's DATA", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 3, BlockFragment: p.EncodeHeaders(":method", "POST")})
		p.WriteData(1, false, []byte("x"))
	}, 0, http2.ErrCodeProtocol, 1},
	{"§6.10", "HEADERS without END_HEADERS, then a PING", func(t *testing.T, p *h2test.Peer) {
		p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: p.EncodeHeaders(":method", "POST")})
		p.WritePing(false, [8]byte{})
	}, 0, http2.ErrCodeProtocol, 0},
	{"§6.10", "CONTINUATION on another stream", func(t *testing.T, p *h2test.Peer) {
		p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: p.EncodeHeaders(":method", "POST")})
		p.WriteContinuation(3, true, p.EncodeHeaders("x-a", "b"))
	}, 0, http2.ErrCodeProtocol, 0},
	{"§4.3", "a header block HPACK cannot decode", func(t *testing.T, p *h2test.Peer) {
		p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff}, EndHeaders: true, EndStream: true})
	}, 0, http2.ErrCodeCompression, 0},

	// Frames a client must not send.
	{"§8.4", "PUSH_PROMISE from a client", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.Fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: p.EncodeHeaders(":method", "GET"), EndHeaders: true})
	}, 0, http2.ErrCodeProtocol, 1},
	{"§5.3.1", "a stream depending on itself", func(t *testing.T, p *h2test.Peer) {
		openCall(t, p, 1)
		p.Fr.WritePriority(1, http2.PriorityParam{StreamDep: 1, Weight: 15})
	}, 1, http2.ErrCodeProtocol, 0},
}

// TestProtocolViolations walks the violations table: each on a fresh
// connection, answered with GOAWAY and the RFC's code (the connection then
// closes), or with RST_STREAM on the stream (and the connection still serves
// a call). The server Conn has RFC 9113's initial windows (Config{}).
func TestProtocolViolations(t *testing.T) {
	g := newGate()
	defer close(g.open)
	for _, v := range violations {
		t.Run(v.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			_, p := rawClient(t, Config{}, g)
			p.Handshake()
			v.do(t, p)
			if v.stream == 0 {
				ga := expectGoAwaySkipping(t, p, v.code)
				if ga.LastStreamID != v.last {
					t.Errorf("GOAWAY names stream %d, want %d", ga.LastStreamID, v.last)
				}
				if len(ga.DebugData()) == 0 {
					t.Error("GOAWAY without debug data saying what was wrong")
				}
				p.ExpectClosed(http2.FrameHeaders, http2.FrameData, http2.FrameRSTStream)
				return
			}
			p.ExpectRST(v.stream, v.code)
			// The connection lives on.
			p.WriteGRPCRequestHeaders(101, echoPath, false)
			p.WriteGRPCMessage(101, true, false, []byte("still here"))
			if got := expectEchoes(t, p, 101); got[101] != "still here" {
				t.Errorf("the call after the stream error got %q", got[101])
			}
		})
	}
}

// expectGoAwaySkipping expects GOAWAY with code, passing over the frames of
// calls the row opened (their handlers may answer or be reset first).
func expectGoAwaySkipping(t *testing.T, p *h2test.Peer, code http2.ErrCode) *http2.GoAwayFrame {
	t.Helper()
	for {
		switch f := p.ReadFrame().(type) {
		case *http2.GoAwayFrame:
			if f.ErrCode != code {
				t.Fatalf("GOAWAY with %v (%q), want %v\n%s", f.ErrCode, f.DebugData(), code, p.FrameLog())
			}
			return f
		case *h2test.Headers, *http2.DataFrame, *http2.WindowUpdateFrame, *http2.SettingsFrame:
		case *http2.PingFrame:
			if !f.IsAck() {
				t.Fatalf("unexpected PING\n%s", p.FrameLog())
			}
		default:
			t.Fatalf("unexpected %v while waiting for GOAWAY %v\n%s", f.Header(), code, p.FrameLog())
		}
	}
}
