package h2test_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/testkit/h2test"
)

// What FuzzPeerRead does with its input.
const (
	fuzzClientReads    = iota // a client Peer reads frames
	fuzzServerReads           // a server Peer checks the preface, then reads frames
	fuzzClientMessages        // a client Peer reads gRPC messages on stream 1
	fuzzModes
)

// fuzzSeeds returns well-formed and subtly broken inputs for FuzzPeerRead;
// the same inputs are stored under testdata/fuzz/FuzzPeerRead.
func fuzzSeeds() []struct {
	mode uint8
	data []byte
} {
	frames := func(write func(fr *http2.Framer, enc *hpack.Encoder, block *bytes.Buffer)) []byte {
		var buf, block bytes.Buffer
		fr := http2.NewFramer(&buf, nil)
		fr.AllowIllegalWrites = true
		write(fr, hpack.NewEncoder(&block), &block)
		return buf.Bytes()
	}
	settingsAndHeaders := frames(func(fr *http2.Framer, enc *hpack.Encoder, block *bytes.Buffer) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 15}, http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0})
		enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
		enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/grpc"})
		b := block.Bytes()
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:3]})
		fr.WriteContinuation(1, true, b[3:])
		fr.WriteData(1, false, h2test.LengthPrefixed(false, []byte("hello")))
		fr.WriteWindowUpdate(0, 1000)
		fr.WritePing(true, [8]byte{1, 2, 3})
		fr.WriteRSTStream(1, http2.ErrCodeCancel)
		fr.WriteGoAway(1, http2.ErrCodeNo, []byte("bye"))
	})
	messages := frames(func(fr *http2.Framer, _ *hpack.Encoder, _ *bytes.Buffer) {
		wire := append(h2test.LengthPrefixed(true, []byte("one")), h2test.LengthPrefixed(false, []byte("two"))...)
		fr.WriteData(1, false, wire[:6])
		fr.WriteData(1, false, wire[6:])
		fr.WriteData(1, true, h2test.LengthPrefixed(false, nil))
	})
	broken := frames(func(fr *http2.Framer, _ *hpack.Encoder, _ *bytes.Buffer) {
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}})
		fr.WriteData(1, false, []byte("x"))                                   // CONTINUATION expected
		fr.WriteRawFrame(http2.FrameSettings, 0, 0, []byte{0, 5, 0, 0, 0, 1}) // MAX_FRAME_SIZE 1
	})
	return []struct {
		mode uint8
		data []byte
	}{
		{fuzzClientReads, settingsAndHeaders},
		{fuzzServerReads, append([]byte(http2.ClientPreface), settingsAndHeaders...)},
		{fuzzServerReads, []byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")},
		{fuzzClientMessages, messages},
		{fuzzClientReads, broken},
		{fuzzClientReads, []byte{0, 0, 0, 4, 0, 0, 0, 0, 0}},
	}
}

// FuzzPeerRead feeds a Peer arbitrary bytes from the other side. Whatever
// arrives, the Peer must neither panic nor hang: every input ends, so every
// run must end in a failure that starts with "h2test: ".
func FuzzPeerRead(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.mode, s.data)
	}
	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		fake := runFaked(t, 10*time.Second, func(tb *fakeTB) {
			conn := newFakeConn(data)
			switch mode % fuzzModes {
			case fuzzClientReads:
				p := h2test.NewClient(tb, conn)
				for range len(data)/9 + 1 {
					p.ReadFrame()
				}
			case fuzzServerReads:
				p := h2test.NewServer(tb, conn)
				for range len(data)/9 + 1 {
					p.ReadFrame()
				}
			case fuzzClientMessages:
				p := h2test.NewClient(tb, conn)
				for range len(data)/5 + 1 {
					p.ExpectGRPCMessages(1, 2)
				}
			}
			tb.Errorf("read past the end of a %d-byte input", len(data))
		})
		if out := fake.output(); !strings.HasPrefix(out, "h2test: ") {
			t.Errorf("input %q ended with %q, want a failure starting with h2test:", data, out)
		}
	})
}
