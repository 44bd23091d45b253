package tap_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/tap"
)

// conversation is both directions of a connection holding every frame type
// RFC 9113 defines, in every form the follower must take apart: padding,
// priority, a header block in three frames, a server push, an unknown type.
func conversation() (client, server []byte) {
	c := newWire(true)
	must(c.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20}))
	must(c.fr.WriteWindowUpdate(0, 4128769))
	must(c.fr.WriteSettingsAck())
	must(c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true, PadLength: 3,
		Priority:      http2.PriorityParam{StreamDep: 0, Weight: 15, Exclusive: true},
		BlockFragment: c.block(":method", "POST", ":path", "/users.Users/CreateUser", "content-type", "application/grpc", "ip", "127.0.0.1")}))
	must(c.fr.WriteData(1, false, []byte("\x00\x00\x00\x00\x05\x0a\x03tom")))
	must(c.fr.WriteDataPadded(1, true, nil, []byte{0, 0}))
	// A block in three frames: HEADERS, two CONTINUATIONs.
	blk := c.block(":method", "POST", ":path", "/users.Users/GetUsers", "x-long", strings.Repeat("v", 40))
	must(c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: blk[:5]}))
	must(c.fr.WriteContinuation(3, false, blk[5:20]))
	must(c.fr.WriteContinuation(3, true, blk[20:]))
	must(c.fr.WritePriority(3, http2.PriorityParam{StreamDep: 1, Weight: 200}))
	must(c.fr.WriteRSTStream(3, http2.ErrCodeCancel))
	must(c.fr.WritePing(false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	c.raw(0x42, 0x3, 9, []byte("unknown"))
	must(c.fr.WriteGoAway(0, http2.ErrCodeNo, []byte("client closed")))

	s := newWire(false)
	must(s.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1000}))
	must(s.fr.WriteSettingsAck())
	s.headers(1, false, ":status", "200", "content-type", "application/grpc")
	must(s.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, EndHeaders: true, BlockFragment: s.block(":method", "GET", ":path", "/pushed")}))
	must(s.fr.WriteData(1, false, []byte("\x00\x00\x00\x00\x02\x08\x01")))
	s.headers(1, true, "grpc-status", "0")
	// The same fields again: from the dynamic table this time.
	s.headers(3, true, ":status", "200", "content-type", "application/grpc", "grpc-status", "0")
	must(s.fr.WritePing(true, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	must(s.fr.WriteWindowUpdate(1, 10))
	return c.bytes(), s.bytes()
}

// conversationEvents is what a follower tells of conversation.
const conversationEvents = `-> SETTINGS stream=0 flags=0x00 len=12 ENABLE_PUSH=0 INITIAL_WINDOW_SIZE=1048576
-> WINDOW_UPDATE stream=0 flags=0x00 len=4 increment=4128769
-> SETTINGS stream=0 flags=0x01 len=0
-> HEADERS stream=1 flags=0x2c len=54 fields=[:method="POST" :path="/users.Users/CreateUser" content-type="application/grpc" ip="127.0.0.1"]
-> DATA stream=1 flags=0x00 len=10 data="\x00\x00\x00\x00\x05\n\x03tom"
-> DATA stream=1 flags=0x09 len=3 data=""
-> HEADERS stream=3 flags=0x00 len=61 fields=[:method="POST" :path="/users.Users/GetUsers" x-long="vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"] continuations=2
-> PRIORITY stream=3 flags=0x00 len=5
-> RST_STREAM stream=3 flags=0x00 len=4 code=CANCEL
-> PING stream=0 flags=0x00 len=8 ping=0102030405060708
-> UNKNOWN_FRAME_TYPE_66 stream=9 flags=0x03 len=7
-> GOAWAY stream=0 flags=0x00 len=21 last=0 debug="client closed"
<- SETTINGS stream=0 flags=0x00 len=6 MAX_CONCURRENT_STREAMS=1000
<- SETTINGS stream=0 flags=0x01 len=0
<- HEADERS stream=1 flags=0x04 len=14 fields=[:status="200" content-type="application/grpc"]
<- PUSH_PROMISE stream=1 flags=0x04 len=12 fields=[:method="GET" :path="/pushed"] problem="a server push of stream 2, which gRPC never uses"
<- DATA stream=1 flags=0x00 len=7 data="\x00\x00\x00\x00\x02\b\x01"
<- HEADERS stream=1 flags=0x05 len=12 fields=[grpc-status="0"]
<- HEADERS stream=3 flags=0x05 len=3 fields=[:status="200" content-type="application/grpc" grpc-status="0"]
<- PING stream=0 flags=0x01 len=8 ping=0102030405060708
<- WINDOW_UPDATE stream=1 flags=0x00 len=4 increment=10
`

// TestFollowerFrames checks every frame type of a conversation, decoded
// from the bytes x/net's Framer and HPACK encoder wrote.
func TestFollowerFrames(t *testing.T) {
	client, server := conversation()
	checkSame(t, "the conversation", follow(client, server, 0), conversationEvents)
}

// TestFollowerSplitAnywhere checks that where the bytes are cut does not
// matter: a forwarder hands the follower whatever each read returned.
func TestFollowerSplitAnywhere(t *testing.T) {
	client, server := conversation()
	for _, step := range []int{1, 2, 7, 9, 10, 64} {
		checkSame(t, "cut every "+string(rune('0'+step%10))+" bytes", follow(client, server, step), conversationEvents)
	}
}

// TestFollowerProblems walks the frames a follower reports as wrong: each
// is told with its Problem, and the next frame is still parsed.
func TestFollowerProblems(t *testing.T) {
	tests := []struct {
		name    string
		t       http2.FrameType
		flags   http2.Flags
		id      uint32
		payload []byte
		want    string
	}{
		{"a short PING", http2.FramePing, 0, 0, make([]byte, 7), "a PING frame of 7 bytes: it must have 8 (a FRAME_SIZE_ERROR)"},
		{"a PING on a stream", http2.FramePing, 0, 1, make([]byte, 8), "a PING frame on stream 1: PING belongs to stream 0 (a PROTOCOL_ERROR)"},
		{"a SETTINGS of 5 bytes", http2.FrameSettings, 0, 0, make([]byte, 5), "a SETTINGS payload of 5 bytes, not a multiple of 6 (a FRAME_SIZE_ERROR)"},
		{"a SETTINGS ACK with a payload", http2.FrameSettings, http2.FlagSettingsAck, 0, make([]byte, 6), "a SETTINGS frame of 6 bytes: it must have 0 (a FRAME_SIZE_ERROR)"},
		{"a SETTINGS on a stream", http2.FrameSettings, 0, 3, nil, "a SETTINGS frame on a stream other than 0 (a PROTOCOL_ERROR)"},
		{"MAX_FRAME_SIZE too small", http2.FrameSettings, 0, 0, []byte{0, 5, 0, 0, 0x10, 0}, "MAX_FRAME_SIZE 4096 is outside [16384, 16777215] (a PROTOCOL_ERROR)"},
		{"ENABLE_PUSH 2", http2.FrameSettings, 0, 0, []byte{0, 2, 0, 0, 0, 2}, "ENABLE_PUSH 2: only 0 and 1 are allowed (a PROTOCOL_ERROR)"},
		{"INITIAL_WINDOW_SIZE too large", http2.FrameSettings, 0, 0, []byte{0, 4, 0x80, 0, 0, 0}, "INITIAL_WINDOW_SIZE 2147483648 is above 2^31-1 (a FLOW_CONTROL_ERROR)"},
		{"a WINDOW_UPDATE of 0", http2.FrameWindowUpdate, 0, 1, make([]byte, 4), "a window increment of 0 (a PROTOCOL_ERROR)"},
		{"a WINDOW_UPDATE of 3 bytes", http2.FrameWindowUpdate, 0, 1, make([]byte, 3), "a WINDOW_UPDATE frame of 3 bytes: it must have 4 (a FRAME_SIZE_ERROR)"},
		{"a RST_STREAM of 3 bytes", http2.FrameRSTStream, 0, 1, make([]byte, 3), "a RST_STREAM frame of 3 bytes: it must have 4 (a FRAME_SIZE_ERROR)"},
		{"a RST_STREAM on stream 0", http2.FrameRSTStream, 0, 0, make([]byte, 4), "a RST_STREAM frame on stream 0 (a PROTOCOL_ERROR)"},
		{"a PRIORITY of 4 bytes", http2.FramePriority, 0, 1, make([]byte, 4), "a PRIORITY frame of 4 bytes: it must have 5 (a FRAME_SIZE_ERROR)"},
		{"a PRIORITY on stream 0", http2.FramePriority, 0, 0, make([]byte, 5), "a PRIORITY frame on stream 0 (a PROTOCOL_ERROR)"},
		{"a GOAWAY of 4 bytes", http2.FrameGoAway, 0, 0, make([]byte, 4), "a GOAWAY frame of 4 bytes: it needs at least 8 (a FRAME_SIZE_ERROR)"},
		{"a GOAWAY on a stream", http2.FrameGoAway, 0, 1, make([]byte, 8), "a GOAWAY frame on a stream other than 0 (a PROTOCOL_ERROR)"},
		{"DATA on stream 0", http2.FrameData, 0, 0, []byte("x"), "a DATA frame on stream 0 (a PROTOCOL_ERROR)"},
		{"DATA padded beyond its length", http2.FrameData, http2.FlagDataPadded, 1, []byte{9, 1, 2}, "a Pad Length of 9 in a payload of 3 bytes (a PROTOCOL_ERROR)"},
		{"DATA padded without a Pad Length", http2.FrameData, http2.FlagDataPadded, 1, nil, "PADDED, but the frame has no Pad Length byte (a FRAME_SIZE_ERROR)"},
		{"HEADERS on stream 0", http2.FrameHeaders, http2.FlagHeadersEndHeaders, 0, []byte{0x82}, "a HEADERS frame on stream 0 (a PROTOCOL_ERROR)"},
		{"HEADERS with a short priority", http2.FrameHeaders, http2.FlagHeadersEndHeaders | http2.FlagHeadersPriority, 1, []byte{0, 0}, "PRIORITY, but the payload is too short for the 5 bytes of priority (a FRAME_SIZE_ERROR)"},
		{"a CONTINUATION without a block", http2.FrameContinuation, http2.FlagContinuationEndHeaders, 1, []byte{0x82}, "a CONTINUATION frame with no header block to continue (a PROTOCOL_ERROR)"},
		{"an HPACK index beyond the tables", http2.FrameHeaders, http2.FlagHeadersEndHeaders, 1, []byte{0x82, 0xff, 0x7f}, "HPACK: invalid indexed representation index 254; the fields before the error are shown"},
		{"an HPACK block cut inside a field", http2.FrameHeaders, http2.FlagHeadersEndHeaders, 1, []byte{0x82, 0x40, 0x05, 'a'}, "HPACK: truncated headers; the fields before the error are shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newWire(true)
			must(c.fr.WriteSettings())
			c.raw(tt.t, tt.flags, tt.id, tt.payload)
			must(c.fr.WritePing(false, [8]byte{9}))
			got := follow(c.bytes(), nil, 0)
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if len(lines) != 3 || !strings.Contains(lines[1], "problem="+quote(tt.want)) || !strings.HasPrefix(lines[2], "-> PING stream=0 flags=0x00 len=8 ping=09") {
				t.Errorf("want the settings, the frame with problem %q, then the PING; got:\n%s", tt.want, got)
			}
		})
	}
}

// quote is how eventText shows a problem.
func quote(s string) string { return fmt.Sprintf("%q", s) }

// TestFollowerInterruptedBlock checks a header block another frame cuts
// short: it is told with the problem, and since the table the real
// receiver keeps is now unknown, later blocks are told without fields.
func TestFollowerInterruptedBlock(t *testing.T) {
	c := newWire(true)
	must(c.fr.WriteSettings())
	blk := c.block(":method", "POST", ":path", "/a/b")
	must(c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk[:2]}))
	must(c.fr.WritePing(false, [8]byte{}))
	c.headers(3, true, ":method", "POST")
	got := follow(c.bytes(), nil, 0)
	want := `-> SETTINGS stream=0 flags=0x00 len=0
-> HEADERS stream=1 flags=0x00 len=2 fields=[:method="POST"] problem="the header block has no END_HEADERS: a PING frame on stream 0 came before its CONTINUATION (a PROTOCOL_ERROR)"
-> PING stream=0 flags=0x00 len=8 ping=0000000000000000
-> HEADERS stream=3 flags=0x05 len=1 fields=[] problem="header fields not decoded: this direction's HPACK table was lost at a header block was cut short by another frame"
`
	checkSame(t, "an interrupted block", got, want)
}

// TestFollowerStops checks bytes that cannot be frames: the direction says
// why once and ignores the rest, however much follows.
func TestFollowerStops(t *testing.T) {
	tlsHello := []byte{0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03}
	settings := newWire(false)
	must(settings.fr.WriteSettings())
	oversized := append(bytes.Clone(settings.bytes()), 0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01)
	tests := []struct {
		name           string
		client, server []byte
		want           string
	}{
		{"an HTTP/1.1 request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), nil,
			`note: the client's first bytes are not the HTTP/2 connection preface (an HTTP/1.x request "GET / HTTP/1.1\r\nHost: x\r"); the client's bytes are no longer decoded, and still forwarded`},
		{"TLS to a cleartext listener", tlsHello, nil,
			"note: the client's first bytes are not the HTTP/2 connection preface (a TLS handshake: the client speaks TLS to a cleartext listener; give the proxy -cert and -key); the client's bytes are no longer decoded, and still forwarded"},
		{"a preface that goes wrong late", []byte("PRI * HTTP/2.0\r\n\r\nXX"), nil,
			"note: the client's first bytes are not the HTTP/2 connection preface (50 52 49 20 2a 20 48 54 54 50 2f 32 2e 30 0d 0a 0d 0a 58 58); the client's bytes are no longer decoded, and still forwarded"},
		{"an HTTP/1.1 answer", nil, []byte("HTTP/1.1 400 Bad Request\r\n\r\n"),
			`note: the server's first bytes are not the SETTINGS frame an HTTP/2 server begins with (an HTTP/1.x response "HTTP/1.1 "); the server's bytes are no longer decoded, and still forwarded`},
		{"a TLS server", nil, []byte{0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76},
			"note: the server's first bytes are not the SETTINGS frame an HTTP/2 server begins with (a TLS record: the server speaks TLS; leave out -plaintext); the server's bytes are no longer decoded, and still forwarded"},
		{"a frame over the receiver's limit", nil, oversized,
			"<- SETTINGS stream=0 flags=0x00 len=0\n" +
				"note: the server sent a frame header announcing a DATA frame of 16385 bytes, more than the client allows (SETTINGS_MAX_FRAME_SIZE 16384): a FRAME_SIZE_ERROR, or bytes that are not HTTP/2 frames (00 40 01 00 00 00 00 00 01); the server's bytes are no longer decoded, and still forwarded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			f := tap.NewFollower(&rec, rec.note)
			feed(f.Client(), tt.client, 0)
			feed(f.Server(), tt.server, 0)
			// Whatever follows is ignored.
			garbage := bytes.Repeat([]byte{0xff}, 100000)
			d := f.Server()
			if tt.client != nil {
				d = f.Client()
			}
			feed(d, garbage, 4096)
			checkSame(t, "what the follower said", rec.String(), tt.want+"\n")
			if !d.Stopped() {
				t.Error("the direction is not stopped")
			}
		})
	}
}

// TestFollowerTableSize checks that a follower minds the settings of the
// other direction: a client announcing a 64 KiB table lets the server's
// encoder grow its own past HPACK's 4,096 bytes, and its later blocks
// refer to entries a 4,096-byte table would have evicted.
func TestFollowerTableSize(t *testing.T) {
	for _, announce := range []bool{true, false} {
		c := newWire(true)
		if announce {
			must(c.fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 65536}))
		} else {
			must(c.fr.WriteSettings())
		}
		s := newWire(false)
		must(s.fr.WriteSettings())
		// The server's encoder was told 64 KiB: it sends a table size
		// update first, then fills the table with 20 fields of 500 bytes.
		s.enc.SetMaxDynamicTableSizeLimit(65536)
		s.enc.SetMaxDynamicTableSize(65536)
		var kv []string
		for i := range 20 {
			kv = append(kv, "x-big-"+string(rune('a'+i)), strings.Repeat(string(rune('a'+i)), 500))
		}
		s.headers(1, false, append([]string{":status", "200"}, kv...)...)
		s.headers(3, false, append([]string{":status", "200"}, kv...)...)
		got := follow(c.bytes(), s.bytes(), 0)
		lines := strings.Split(got, "\n")
		switch {
		case announce && (strings.Contains(got, "problem=") || !strings.Contains(lines[3], `x-big-t="tttt`) || !strings.Contains(lines[2], `x-big-a="aaaa`)):
			t.Errorf("with the client's 64 KiB table, both blocks must decode in full:\n%.2000s", got)
		case announce && !strings.Contains(lines[3], "len=21 "):
			// Twenty-one one-byte indexes: the second block is all
			// references, to the static table for :status and to the
			// dynamic one for the rest.
			t.Errorf("the second block is not made of table references:\n%.500s", lines[3])
		case !announce && !strings.Contains(got, "problem=\"HPACK: dynamic table size update too large (above what the client allows"):
			t.Errorf("without the client's setting, the size update must be an HPACK error:\n%.2000s", got)
		}
	}
}

// TestFollowerTableSizeUpdates checks an encoder that shrinks its table to
// nothing and grows it back: the follower evicts as the real decoder does.
func TestFollowerTableSizeUpdates(t *testing.T) {
	c := newWire(true)
	must(c.fr.WriteSettings())
	c.headers(1, false, ":method", "POST", "x-a", "1")
	c.enc.SetMaxDynamicTableSize(0)
	c.headers(3, false, ":method", "POST", "x-a", "1")
	c.enc.SetMaxDynamicTableSize(4096)
	c.headers(5, false, ":method", "POST", "x-a", "1")
	c.headers(7, false, ":method", "POST", "x-a", "1")
	got := follow(c.bytes(), nil, 0)
	want := `-> SETTINGS stream=0 flags=0x00 len=0
-> HEADERS stream=1 flags=0x04 len=8 fields=[:method="POST" x-a="1"]
-> HEADERS stream=3 flags=0x04 len=9 fields=[:method="POST" x-a="1"]
-> HEADERS stream=5 flags=0x04 len=11 fields=[:method="POST" x-a="1"]
-> HEADERS stream=7 flags=0x04 len=2 fields=[:method="POST" x-a="1"]
`
	checkSame(t, "table size updates", got, want)
}

// TestFollowerHeaderLimit checks that a header block larger than a
// follower keeps is decoded (the table stays in step) but told in part.
func TestFollowerHeaderLimit(t *testing.T) {
	c := newWire(true)
	must(c.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20}))
	s := newWire(false)
	must(s.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20}))
	var kv []string
	big := strings.Repeat("v", 100<<10)
	for i := range 4 {
		kv = append(kv, "x-"+string(rune('a'+i)), big)
	}
	// Not indexed, so that the encoder's table stays small.
	s.hbuf.Reset()
	for i := 0; i < len(kv); i += 2 {
		must(s.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1], Sensitive: true}))
	}
	must(s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: s.hbuf.Bytes(), EndHeaders: true}))
	s.headers(3, true, "grpc-status", "0")
	got := follow(c.bytes(), s.bytes(), 1000)
	if !strings.Contains(got, `problem="2 more header fields were decoded but are not shown: the follower keeps 262144 bytes of one block"`) ||
		!strings.Contains(got, `<- HEADERS stream=3 flags=0x05 len=`) || !strings.Contains(got, `fields=[grpc-status="0"]`) {
		t.Errorf("want the first block in part and the next one whole:\n%.300s", got)
	}
}

// TestFollowerLargeFrames checks frames larger than HTTP/2's default, once
// the receiver allows them: decoded, and the buffer they needed released.
func TestFollowerLargeFrames(t *testing.T) {
	c := newWire(true)
	must(c.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20}))
	s := newWire(false)
	must(s.fr.WriteSettings())
	s.fr.SetMaxReadFrameSize(1 << 20)
	payload := bytes.Repeat([]byte{7}, 1<<20)
	must(s.fr.WriteData(1, false, payload))
	must(s.fr.WriteData(1, true, []byte("end")))
	var rec recorder
	f := tap.NewFollower(&rec, rec.note)
	feed(f.Client(), c.bytes(), 0)
	feed(f.Server(), s.bytes(), 16<<10)
	got := rec.String()
	if !strings.Contains(got, "<- DATA stream=1 flags=0x00 len=1048576 data=\"\\a\\a") || !strings.HasSuffix(got, "<- DATA stream=1 flags=0x01 len=3 data=\"end\"\n") {
		t.Errorf("the 1 MiB frame and the next were not followed:\n%.300s", got)
	}
	if n := tap.Buffered(f.Server()); n > 64<<10 {
		t.Errorf("the follower keeps a %d-byte buffer after the large frame", n)
	}
}
