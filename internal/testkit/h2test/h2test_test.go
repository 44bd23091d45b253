package h2test_test

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/testkit/h2test"
)

// connected returns two Peers that have completed the preface exchange with
// each other over a loopback TCP Pipe. Each has the other's SETTINGS ACK
// still unread, which non-strict Expect calls skip.
func connected(t *testing.T) (client, server *h2test.Peer) {
	t.Helper()
	c, s := h2test.Pipe(t)
	client = h2test.NewClient(t, c)
	server = h2test.NewServer(t, s)
	client.Handshake()
	server.Handshake()
	return client, server
}

func TestHandshakeBothWays(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	c, s := h2test.Pipe(t)
	client := h2test.NewClient(t, c, http2.Setting{ID: http2.SettingMaxFrameSize, Val: 32768})
	server := h2test.NewServer(t, s, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 10})

	fromServer := client.Handshake()
	if v, ok := fromServer.Value(http2.SettingMaxConcurrentStreams); !ok || v != 10 {
		t.Errorf("client saw server SETTINGS MAX_CONCURRENT_STREAMS = %d, %v; want 10, true", v, ok)
	}
	fromClient := server.Handshake()
	if v, ok := fromClient.Value(http2.SettingMaxFrameSize); !ok || v != 32768 {
		t.Errorf("server saw client SETTINGS MAX_FRAME_SIZE = %d, %v; want 32768, true", v, ok)
	}

	// Each side acknowledged the other's SETTINGS; in strict mode the ACK
	// is the very next frame.
	client.Strict(true)
	server.Strict(true)
	client.ExpectSettingsAck()
	server.ExpectSettingsAck()

	// Frames read are private copies: fromServer still answers after more reads.
	if v, _ := fromServer.Value(http2.SettingMaxConcurrentStreams); v != 10 {
		t.Errorf("kept SETTINGS frame changed after later reads: MAX_CONCURRENT_STREAMS = %d", v)
	}
	if log := client.FrameLog(); !strings.Contains(log, "→ client preface") || !strings.Contains(log, "← SETTINGS stream=0 [MAX_CONCURRENT_STREAMS=10]") {
		t.Errorf("client frame log misses the preface exchange:\n%s", log)
	}
}

func TestHandshakeKeepsOtherFramesInOrder(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	c, s := h2test.Pipe(t)
	// A client that (illegally) sends a PING and a WINDOW_UPDATE before its
	// SETTINGS: Handshake keeps the PING for later and records the
	// WINDOW_UPDATE as skipped.
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	raw := http2.NewFramer(c, c)
	if err := raw.WritePing(false, [8]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := raw.WriteWindowUpdate(0, 1000); err != nil {
		t.Fatal(err)
	}
	if err := raw.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0}); err != nil {
		t.Fatal(err)
	}
	server := h2test.NewServer(t, s)
	if v, ok := server.Handshake().Value(http2.SettingEnablePush); !ok || v != 0 {
		t.Errorf("Handshake returned SETTINGS without ENABLE_PUSH=0")
	}
	if got := server.ExpectPing(false); got != [8]byte{1} {
		t.Errorf("PING kept by Handshake carries %x, want 01...", got)
	}
	skipped := server.Skipped()
	if len(skipped) != 1 || skipped[0].Header().Type != http2.FrameWindowUpdate {
		t.Errorf("Skipped() = %v, want the one WINDOW_UPDATE", skipped)
	}
}

// TestSettingsGovernPeer checks that each Peer follows the SETTINGS both
// sides advertised: the encoder shrinks its HPACK table to the other side's
// HEADER_TABLE_SIZE, WriteHeaders splits at its MAX_FRAME_SIZE, and the
// reader accepts frames up to its own.
func TestSettingsGovernPeer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	c, s := h2test.Pipe(t)
	client := h2test.NewClient(t, c)
	server := h2test.NewServer(t, s,
		http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0},
		http2.Setting{ID: http2.SettingMaxFrameSize, Val: 32768})
	client.Handshake()
	server.Handshake()

	// RFC 7541 §4.2: the encoder signals the smaller table with a dynamic
	// table size update (bit pattern 001xxxxx) at the start of its next block.
	block := client.EncodeHeaders(":method", "GET", "x-a", "1")
	if len(block) == 0 || block[0]&0xe0 != 0x20 {
		t.Errorf("first block after HEADER_TABLE_SIZE=0 starts % x, want a dynamic table size update", block[:min(len(block), 4)])
	}
	client.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block, EndHeaders: true, EndStream: true})
	if h := server.ExpectHeaders(1, true); h.Get("x-a") != "1" {
		t.Errorf("block with the table size update decoded to %v", h)
	}

	// 60000 'b's Huffman-code to 45000 bytes: two frames of up to 32768.
	big := strings.Repeat("b", 60000)
	client.WriteHeaders(3, false, ":method", "POST", "x-big", big)
	if h := server.ExpectHeaders(3, false); h.Continuations != 1 || h.Get("x-big") != big {
		t.Errorf("45000-byte block under MAX_FRAME_SIZE 32768: %d CONTINUATION, want 1", h.Continuations)
	}
	client.WriteData(3, true, make([]byte, 30000))
	if data, _ := server.ExpectData(3); len(data) != 30000 {
		t.Errorf("30000-byte DATA under MAX_FRAME_SIZE 32768 arrived as %d bytes", len(data))
	}
}

func TestGRPCRequestAndResponseHeaders(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)

	client.WriteGRPCRequestHeaders(1, "/pkg.Svc/Call", false, "grpc-timeout", "1S", "x-meta", "a", "x-meta", "b")
	req := server.ExpectHeaders(1, false)
	wantNames := []string{":method", ":scheme", ":path", ":authority", "te", "content-type", "grpc-timeout", "x-meta", "x-meta"}
	if got := req.Names(); !slices.Equal(got, wantNames) {
		t.Errorf("request field names = %q, want %q", got, wantNames)
	}
	for name, want := range map[string]string{
		":method": "POST", ":scheme": "http", ":path": "/pkg.Svc/Call", ":authority": "localhost",
		"te": "trailers", "content-type": "application/grpc", "grpc-timeout": "1S",
	} {
		if got := req.Get(name); got != want {
			t.Errorf("request %s = %q, want %q", name, got, want)
		}
	}
	if got := req.Values("x-meta"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("x-meta values = %q, want [a b]", got)
	}
	if req.Has("Content-Type") || req.Has("missing") {
		t.Error("Has matched a name that is not on the wire")
	}
	if req.StreamID != 1 || req.EndStream || req.Continuations != 0 {
		t.Errorf("request block: stream %d, END_STREAM %v, %d CONTINUATION; want 1, false, 0", req.StreamID, req.EndStream, req.Continuations)
	}

	server.WriteGRPCResponseHeaders(1, "grpc-encoding", "identity")
	resp := client.ExpectHeaders(1, false)
	if resp.Get(":status") != "200" || resp.Get("content-type") != "application/grpc" || resp.Get("grpc-encoding") != "identity" {
		t.Errorf("response headers = %v", resp)
	}
	server.WriteGRPCTrailers(1, 5, "not found", "x-trailer", "t")
	tr := client.ExpectGRPCStatus(1, 5)
	if tr.Get("grpc-message") != "not found" || tr.Get("x-trailer") != "t" {
		t.Errorf("trailers = %v", tr)
	}

	client.WriteGRPCRequestHeaders(3, "/pkg.Svc/Call", true)
	server.ExpectHeaders(3, true)
	server.WriteGRPCTrailersOnly(3, 12, "")
	only := client.ExpectGRPCStatus(3, 12)
	if only.Get(":status") != "200" || only.Has("grpc-message") {
		t.Errorf("Trailers-Only = %v; want :status 200 and no grpc-message", only)
	}
}

// TestSpecHeaderTables walks every row of the gRPC header tables and checks
// the helpers send exactly those fields, in order, first.
func TestSpecHeaderTables(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)

	client.WriteGRPCRequestHeaders(1, "/Service/Method", true)
	req := server.ExpectHeaders(1, true)
	rows := h2test.GRPCRequestHeaderRows()
	if len(req.Fields) != len(rows) {
		t.Fatalf("request has %d fields, the table %d rows", len(req.Fields), len(rows))
	}
	for i, row := range rows {
		if f := req.Fields[i]; f.Name != row[1] || f.Value != row[2] {
			t.Errorf("request field %d (%s) = %s: %s, want %s: %s", i, row[0], f.Name, f.Value, row[1], row[2])
		}
	}

	server.WriteGRPCResponseHeaders(1)
	resp := client.ExpectHeaders(1, false)
	rows = h2test.GRPCResponseHeaderRows()
	if len(resp.Fields) != len(rows) {
		t.Fatalf("response has %d fields, the table %d rows", len(resp.Fields), len(rows))
	}
	for i, row := range rows {
		if f := resp.Fields[i]; f.Name != row[1] || f.Value != row[2] {
			t.Errorf("response field %d (%s) = %s: %s, want %s: %s", i, row[0], f.Name, f.Value, row[1], row[2])
		}
	}
}

func TestContinuation(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)

	// By hand: HEADERS without END_HEADERS, then two CONTINUATION frames,
	// each fragment encoded in the order it is sent.
	client.WriteHeadersFields(1, false, false, []hpack.HeaderField{
		{Name: ":method", Value: "POST"},
		{Name: ":path", Value: "/a/b"},
		{Name: "authorization", Value: "secret", Sensitive: true},
	})
	client.WriteContinuation(1, false, client.EncodeHeaders("x-one", "1"))
	client.WriteContinuation(1, true, client.EncodeHeaders("x-two", "2"))
	h := server.ExpectHeaders(1, false)
	if h.Continuations != 2 {
		t.Errorf("Continuations = %d, want 2", h.Continuations)
	}
	want := []string{":method", ":path", "authorization", "x-one", "x-two"}
	if got := h.Names(); !slices.Equal(got, want) {
		t.Errorf("names = %q, want %q", got, want)
	}
	if !h.Fields[2].Sensitive {
		t.Error("authorization arrived indexable; it was sent never-indexed")
	}

	// Automatically: a block larger than the server's MAX_FRAME_SIZE (16384
	// by default) is split by WriteHeaders.
	big := strings.Repeat("v", 40000)
	client.WriteHeaders(3, true, ":method", "POST", "x-big", big)
	h = server.ExpectHeaders(3, true)
	if h.Continuations < 2 || h.Get("x-big") != big {
		t.Errorf("big block: %d CONTINUATION, value of %d bytes; want >= 2 and 40000", h.Continuations, len(h.Get("x-big")))
	}
	// The dynamic tables stayed in step: a repeat encodes from the table.
	client.WriteHeaders(5, true, "x-one", "1")
	if got := server.ExpectHeaders(5, true).Get("x-one"); got != "1" {
		t.Errorf("x-one after reuse = %q", got)
	}
}

func TestDataAndMessages(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)

	client.WriteData(1, false, []byte("hello"))
	client.WriteDataPadded(1, false, []byte("world"), make([]byte, 7))
	if data, end := server.ExpectData(1); string(data) != "hello" || end {
		t.Errorf("ExpectData = %q, %v; want hello, false", data, end)
	}
	if data, _ := server.ExpectData(1); string(data) != "world" {
		t.Errorf("padded ExpectData = %q, want world", data)
	}

	// Three messages cut across frames at awkward places: a prefix split in
	// two, two messages in one frame, and the third's tail with END_STREAM.
	wire := slices.Concat(
		h2test.LengthPrefixed(false, []byte("first")),
		h2test.LengthPrefixed(true, []byte("second")),
		h2test.LengthPrefixed(false, nil),
		h2test.LengthPrefixed(false, []byte("fourth")),
	)
	for _, cut := range [][2]int{{0, 3}, {3, 30}, {30, len(wire)}} {
		client.WriteData(3, cut[1] == len(wire), wire[cut[0]:cut[1]])
	}
	msgs, end := server.ExpectGRPCMessages(3, 2)
	if end || len(msgs) != 2 || string(msgs[0].Data) != "first" || msgs[0].Compressed ||
		string(msgs[1].Data) != "second" || !msgs[1].Compressed {
		t.Errorf("first two messages = %+v, END_STREAM %v", msgs, end)
	}
	// The rest were read with the second frame or come with the third.
	msgs, end = server.ExpectGRPCMessages(3, 2)
	if !end || len(msgs) != 2 || len(msgs[0].Data) != 0 || string(msgs[1].Data) != "fourth" {
		t.Errorf("last two messages = %+v, END_STREAM %v; want empty and fourth, true", msgs, end)
	}

	client.WriteGRPCMessage(5, true, false, []byte("one"))
	if msg, end := server.ExpectGRPCMessage(5); string(msg.Data) != "one" || !end {
		t.Errorf("ExpectGRPCMessage = %+v, %v", msg, end)
	}

	client.WriteData(7, false, []byte("ab"))
	client.WriteData(7, false, nil)
	client.WriteData(7, true, []byte("c"))
	if body := server.ExpectBody(7); string(body) != "abc" {
		t.Errorf("ExpectBody = %q, want abc", body)
	}
}

func TestControlFrames(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)

	client.WriteRST(1, http2.ErrCodeCancel)
	server.ExpectRST(1, http2.ErrCodeCancel)

	client.WritePing(false, [8]byte{'p', 'i', 'n', 'g'})
	data := server.ExpectPing(false)
	server.WritePing(true, data)
	if got := client.ExpectPing(true); got != data {
		t.Errorf("PING ACK carries %x, want %x", got, data)
	}

	server.WriteWindowUpdate(0, 1<<20)
	server.WriteWindowUpdate(3, 100)
	if got := client.ExpectWindowUpdate(3); got != 100 {
		t.Errorf("ExpectWindowUpdate(3) = %d, want 100 (skipping the one for stream 0)", got)
	}

	server.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
	if got := client.ExpectSettings(); len(got) != 1 || got[0].ID != http2.SettingInitialWindowSize || got[0].Val != 1<<20 {
		t.Errorf("ExpectSettings = %v", got)
	}
	client.WriteSettingsAck()
	server.ExpectSettingsAck()

	client.WriteRaw(0xfa, 0x3, 1, []byte("ext"))
	if f, ok := server.ExpectFrame(0xfa, 1).(*http2.UnknownFrame); !ok || string(f.Payload()) != "ext" {
		t.Errorf("unknown frame type 0xfa did not arrive as sent")
	}

	server.WriteGoAway(7, http2.ErrCodeEnhanceYourCalm, []byte("too many pings"))
	g := client.ExpectGoAway(http2.ErrCodeEnhanceYourCalm)
	if g.LastStreamID != 7 || string(g.DebugData()) != "too many pings" {
		t.Errorf("GOAWAY last stream %d debug %q", g.LastStreamID, g.DebugData())
	}
	server.Close()
	client.ExpectClosed()
}

func TestSkippingAndStrict(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)

	server.WriteWindowUpdate(0, 10)
	server.WritePing(true, [8]byte{})
	server.WriteHeaders(1, true, ":status", "200")
	client.ExpectHeaders(1, true)
	var types []http2.FrameType
	for _, f := range client.Skipped() {
		types = append(types, f.Header().Type)
	}
	// The server's SETTINGS ACK arrived first, then the two written above.
	want := []http2.FrameType{http2.FrameSettings, http2.FrameWindowUpdate, http2.FramePing}
	if !slices.Equal(types, want) {
		t.Errorf("Skipped types = %v, want %v", types, want)
	}

	client.Strict(true)
	server.WriteWindowUpdate(0, 10)
	if got := client.ExpectWindowUpdate(0); got != 10 {
		t.Errorf("strict ExpectWindowUpdate = %d", got)
	}
}

func TestReadFrame(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	client, server := connected(t)
	server.Strict(true)
	server.ExpectSettingsAck()

	client.WriteHeaders(1, false, ":method", "GET")
	client.WriteData(1, true, []byte("body"))
	h, ok := server.ReadFrame().(*h2test.Headers)
	if !ok || h.Get(":method") != "GET" {
		t.Fatalf("ReadFrame did not return the HEADERS as *h2test.Headers")
	}
	d, ok := server.ReadFrame().(*http2.DataFrame)
	if !ok || !d.StreamEnded() {
		t.Fatalf("ReadFrame did not return the DATA frame")
	}
	// Both stay valid after further reads.
	client.WritePing(false, [8]byte{})
	server.ReadFrame()
	if string(d.Data()) != "body" || h.Get(":method") != "GET" {
		t.Errorf("kept frames changed after a later read: %q, %q", d.Data(), h.Get(":method"))
	}
}

// TestFailures scripts one mistake per row and checks that the Peer reports
// it — with a message naming what happened and the frame log — and returns
// instead of hanging.
func TestFailures(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	tests := []struct {
		name   string
		remote func(remote *h2test.Peer)
		local  func(local *h2test.Peer)
		want   []string // substrings of the failure message
	}{{
		name:   "timeout",
		remote: func(*h2test.Peer) {},
		local:  func(p *h2test.Peer) { p.ExpectHeaders(1, true) },
		want:   []string{"waiting for HEADERS on stream 1 with END_STREAM: nothing arrived within 200ms", "frames so far", "→ client preface", "← SETTINGS"},
	}, {
		name:   "wrong frame type",
		remote: func(p *h2test.Peer) { p.WriteData(1, false, []byte("hello")) },
		local:  func(p *h2test.Peer) { p.ExpectHeaders(1, false) },
		want:   []string{`expected HEADERS on stream 1 without END_STREAM, got DATA stream=1 len=5 "hello"`, `← DATA stream=1 len=5 "hello"`},
	}, {
		name:   "wrong END_STREAM",
		remote: func(p *h2test.Peer) { p.WriteHeaders(1, false, ":status", "200") },
		local:  func(p *h2test.Peer) { p.ExpectHeaders(1, true) },
		want:   []string{"expected HEADERS on stream 1 with END_STREAM, got HEADERS stream=1 END_HEADERS {:status: \"200\"}"},
	}, {
		name:   "wrong stream",
		remote: func(p *h2test.Peer) { p.WriteRST(3, http2.ErrCodeCancel) },
		local:  func(p *h2test.Peer) { p.ExpectRST(1, http2.ErrCodeCancel) },
		want:   []string{"expected RST_STREAM on stream 1 with CANCEL, got RST_STREAM stream=3 CANCEL"},
	}, {
		name:   "wrong GOAWAY code",
		remote: func(p *h2test.Peer) { p.WriteGoAway(0, http2.ErrCodeProtocol, nil) },
		local:  func(p *h2test.Peer) { p.ExpectGoAway(http2.ErrCodeNo) },
		want:   []string{"expected GOAWAY with NO_ERROR, got GOAWAY stream=0 last_stream=0 PROTOCOL_ERROR"},
	}, {
		name:   "strict mode does not skip",
		remote: func(p *h2test.Peer) { p.WriteWindowUpdate(0, 5); p.WriteHeaders(1, true) },
		local: func(p *h2test.Peer) {
			p.Strict(true)
			p.ExpectSettingsAck()
			p.ExpectHeaders(1, true)
		},
		want: []string{"got WINDOW_UPDATE stream=0 incr=5"},
	}, {
		name:   "closed instead of frame",
		remote: func(p *h2test.Peer) { p.Close() },
		local:  func(p *h2test.Peer) { p.ExpectPing(false) },
		want:   []string{"waiting for PING: the other side closed the connection"},
	}, {
		name:   "frame instead of close",
		remote: func(p *h2test.Peer) { p.WritePing(false, [8]byte{}) },
		local:  func(p *h2test.Peer) { p.ExpectClosed() },
		want:   []string{"expected the connection to close, got PING stream=0 data=0000000000000000"},
	}, {
		name:   "frame during silence",
		remote: func(p *h2test.Peer) { p.WriteRST(1, http2.ErrCodeCancel) },
		local:  func(p *h2test.Peer) { p.ExpectNoFrame(2 * time.Second) },
		want:   []string{"expected no frame for 2s, got RST_STREAM stream=1 CANCEL"},
	}, {
		name:   "invalid frame",
		remote: func(p *h2test.Peer) { p.WriteRaw(http2.FrameData, 0, 0, []byte("x")) },
		local:  func(p *h2test.Peer) { p.ExpectPing(false) },
		want:   []string{"waiting for PING: the other side sent an invalid frame", "PROTOCOL_ERROR: DATA frame with stream ID 0"},
	}, {
		name:   "frame too large",
		remote: func(p *h2test.Peer) { p.WriteData(1, false, make([]byte, 20000)) },
		local:  func(p *h2test.Peer) { p.ExpectData(1) },
		want:   []string{"the other side sent a 20000-byte DATA frame, over the SETTINGS_MAX_FRAME_SIZE"},
	}, {
		name: "HEADERS interrupted",
		remote: func(p *h2test.Peer) {
			p.WriteHeadersFields(1, false, false, []hpack.HeaderField{{Name: ":status", Value: "200"}})
			p.WriteData(1, false, []byte("x"))
		},
		local: func(p *h2test.Peer) { p.ExpectHeaders(1, false) },
		want:  []string{"waiting for CONTINUATION on stream 1", "expected CONTINUATION"},
	}, {
		name: "undecodable header block",
		remote: func(p *h2test.Peer) {
			p.WriteHeadersParam(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EndHeaders: true})
		},
		local: func(p *h2test.Peer) { p.ExpectHeaders(1, false) },
		want:  []string{"header block on stream 1 does not decode, a COMPRESSION_ERROR"},
	}, {
		name:   "stream ends before messages",
		remote: func(p *h2test.Peer) { p.WriteData(1, true, h2test.LengthPrefixed(false, []byte("only"))[:7]) },
		local:  func(p *h2test.Peer) { p.ExpectGRPCMessages(1, 1) },
		want:   []string{"stream 1 ended after 0 of 1 messages, with 7 bytes of an incomplete one"},
	}, {
		name:   "bad Compressed-Flag",
		remote: func(p *h2test.Peer) { p.WriteData(1, false, []byte{2, 0, 0, 0, 0}) },
		local:  func(p *h2test.Peer) { p.ExpectGRPCMessage(1) },
		want:   []string{"Compressed-Flag 2"},
	}, {
		name:   "wrong grpc-status",
		remote: func(p *h2test.Peer) { p.WriteGRPCTrailersOnly(1, 13, "boom") },
		local:  func(p *h2test.Peer) { p.ExpectGRPCStatus(1, 0) },
		want:   []string{`expected grpc-status 0 on stream 1, got grpc-status "13" (grpc-message "boom")`},
	}, {
		name:   "own connection closed",
		remote: func(*h2test.Peer) {},
		local:  func(p *h2test.Peer) { p.Close(); p.ExpectClosed() },
		want:   []string{"this Peer's own connection is closed", "→ close"},
	}, {
		name:   "odd header list",
		remote: func(*h2test.Peer) {},
		local:  func(p *h2test.Peer) { p.WriteHeaders(1, true, ":method") },
		want:   []string{"header fields must come as name, value pairs; got 1 strings"},
	}, {
		name:   "a failed read poisons later reads",
		remote: func(p *h2test.Peer) { p.WriteRaw(http2.FrameData, 0, 0, nil); p.WritePing(false, [8]byte{}) },
		local: func(p *h2test.Peer) {
			func() {
				// The first failure ends only this inner goroutine.
				done := make(chan struct{})
				go func() { defer close(done); p.ExpectPing(false) }()
				<-done
			}()
			p.ExpectPing(false)
		},
		want: []string{"an earlier read already failed"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			c, s := h2test.Pipe(t)
			local := h2test.NewClient(t, c)
			remote := h2test.NewServer(t, s)
			local.SetTimeout(200 * time.Millisecond)
			remote.Handshake()
			local.Handshake()
			tt.remote(remote)
			start := time.Now()
			fake := runFaked(t, 10*time.Second, func(tb *fakeTB) {
				local.T = tb
				tt.local(local)
				tb.Errorf("the scripted mistake was not reported")
			})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("reporting took %v", took)
			}
			out := fake.output()
			if !strings.HasPrefix(out, "h2test: ") {
				t.Errorf("failure does not start with h2test: %q", out)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("failure message lacks %q; it was:\n%s", want, out)
				}
			}
		})
	}
}

func TestPrefaceMismatch(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	for _, tt := range []struct {
		name, sent, want string
	}{
		{"HTTP/1.1", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", `the client spoke HTTP/1.1 ("GET / HTTP/1.1")`},
		{"short HTTP/1.1", "GET /", `the client spoke HTTP/1.1 ("GET /")`},
		{"TLS", "\x16\x03\x01\x02\x00\x01", "the client started a TLS handshake"},
		{"corrupted preface", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", `the client did not send the HTTP/2 connection preface`},
		{"silence", "", "waiting for the client connection preface; got 0 of 24 bytes"},
		{"partial then close", "PRI * HT", "reading the client connection preface after 8 of 24 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, s := h2test.Pipe(t)
			if _, err := io.WriteString(c, tt.sent); err != nil {
				t.Fatal(err)
			}
			if tt.name == "partial then close" {
				c.Close()
			}
			fake := runFaked(t, 10*time.Second, func(tb *fakeTB) {
				if tt.name == "silence" {
					// There is no Peer to shorten the timeout on before
					// NewServer reads, so the test sets the deadline itself
					// and shortConn keeps NewServer from moving it.
					s.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				}
				h2test.NewServer(tb, shortConn{s, tt.name == "silence"})
			})
			if out := fake.output(); !strings.Contains(out, tt.want) {
				t.Errorf("failure = %q, want it to contain %q", out, tt.want)
			}
		})
	}
}

// TestAgainstRealServer proves the client side speaks real HTTP/2: a stock
// golang.org/x/net/http2.Server answers it, over loopback TCP and over a
// synchronous net.Pipe (which works here because the server reads on a
// goroutine of its own while it writes).
func TestAgainstRealServer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	for _, pipe := range []struct {
		name string
		make func(testing.TB) (net.Conn, net.Conn)
	}{{"Pipe", h2test.Pipe}, {"SyncPipe", h2test.SyncPipe}} {
		t.Run(pipe.name, func(t *testing.T) {
			c, s := pipe.make(t)
			served := make(chan struct{})
			go func() {
				defer close(served)
				srv := &http2.Server{}
				srv.ServeConn(s, &http2.ServeConnOpts{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, "hello")
				})})
			}()

			p := h2test.NewClient(t, c)
			settings := p.ExpectSettings()
			if len(settings) == 0 {
				t.Error("x/net's server sent an empty SETTINGS frame; it always advertises its limits")
			}
			p.WriteSettingsAck()
			p.WriteHeaders(1, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "localhost")
			h := p.ExpectHeaders(1, false)
			if got := h.Get(":status"); got != "200" {
				t.Errorf(":status = %q, want 200 (headers %v)", got, h)
			}
			if body := p.ExpectBody(1); string(body) != "hello" {
				t.Errorf("body = %q, want hello", body)
			}
			p.Close()
			<-served
		})
	}
}

// TestPipesCloseAtCleanup checks both pipes are connected and closed by the
// test's cleanup, so no connection outlives a test.
func TestPipesCloseAtCleanup(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	for _, pipe := range []struct {
		name string
		make func(testing.TB) (net.Conn, net.Conn)
	}{{"Pipe", h2test.Pipe}, {"SyncPipe", h2test.SyncPipe}} {
		t.Run(pipe.name, func(t *testing.T) {
			fake := newFakeTB(t)
			c, s := pipe.make(fake)
			wrote := make(chan error, 1)
			go func() {
				_, err := c.Write([]byte("x"))
				wrote <- err
			}()
			buf := make([]byte, 1)
			if _, err := io.ReadFull(s, buf); err != nil || buf[0] != 'x' {
				t.Fatalf("read %q, %v through the pipe; want x", buf, err)
			}
			if err := <-wrote; err != nil {
				t.Fatal(err)
			}
			fake.runCleanups()
			if _, err := c.Write([]byte("y")); err == nil {
				t.Error("client end still writable after cleanup")
			}
			if _, err := s.Read(buf); err == nil {
				t.Error("server end still readable after cleanup")
			}
		})
	}
}

// TestAgainstRealClient proves the server side speaks real HTTP/2: a stock
// golang.org/x/net/http2 client connection gets its response.
func TestAgainstRealClient(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	c, s := h2test.Pipe(t)
	tr := &http2.Transport{}
	cc, err := tr.NewClientConn(c)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://localhost/x", nil)
		resp, err := cc.RoundTrip(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()

	p := h2test.NewServer(t, s)
	p.Handshake()
	h := p.ExpectHeaders(1, true)
	if h.Get(":method") != "GET" || h.Get(":path") != "/x" {
		t.Errorf("request = %v", h)
	}
	p.WriteHeaders(1, false, ":status", "200")
	p.WriteData(1, true, []byte("hi"))
	r := <-got
	if r.err != nil || r.body != "hi" {
		t.Errorf("client got %q, %v; want hi", r.body, r.err)
	}
}

// shortConn passes a connection through, keeping a read deadline the test
// set (NewServer sets its own otherwise).
type shortConn struct {
	net.Conn
	keep bool
}

func (c shortConn) SetReadDeadline(t time.Time) error {
	if c.keep {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}
