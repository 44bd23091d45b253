package transport

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/wire"
)

// serverDefaults is the Config of a server with the server package's
// defaults for the windows: a connection window above RFC 9113's, raised by
// a WINDOW_UPDATE on stream 0 right after the SETTINGS.
var serverDefaults = Config{InitialWindowSize: wire.DefaultInitialWindowSize, ConnWindowSize: wire.DefaultInitialConnWindowSize}

// TestPingAnsweredWithSamePayload pins RFC 9113 §6.7: "Receivers of a PING
// frame that does not include an ACK flag MUST send a PING frame with the
// ACK flag set in response, with an identical frame payload."
func TestPingAnsweredWithSamePayload(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, p := rawClient(t, serverDefaults, newGate())
	p.Handshake()
	p.Strict(true)
	p.ExpectWindowUpdate(0)
	p.ExpectSettingsAck()
	for _, data := range [][8]byte{{1, 2, 3, 4, 5, 6, 7, 8}, {0xff, 0, 0xff, 0, 'g', 'r', 'p', 'c'}} {
		p.WritePing(false, data)
		if got := p.ExpectPing(true); got != data {
			t.Errorf("PING ACK payload % x, want % x", got, data)
		}
	}
}

// TestSettingsAcknowledged pins RFC 9113 §6.5.3: every SETTINGS frame
// without ACK is answered with a SETTINGS ACK, after the handshake too.
func TestSettingsAcknowledged(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, p := rawClient(t, serverDefaults, newGate())
	p.Strict(true)
	settings := p.ExpectSettings()
	p.WriteSettingsAck()
	if len(settings) == 0 {
		t.Error("the server's first SETTINGS frame is empty")
	}
	p.ExpectWindowUpdate(0)
	p.ExpectSettingsAck() // of the client's initial SETTINGS
	p.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
	p.ExpectSettingsAck()
	p.WriteSettings()
	p.ExpectSettingsAck()
}

// TestWindowUpdateAsDataIsConsumed pins flow control on the receive side:
// as the handler reads request bytes, the server returns them as credit
// with WINDOW_UPDATE on the stream and on the connection, once a quarter of
// the window has been used (the windows are made small so that one message
// crosses both thresholds).
func TestWindowUpdateAsDataIsConsumed(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const window = 65535
	g := newGate()
	_, p := rawClient(t, Config{InitialWindowSize: window, ConnWindowSize: window}, g)
	p.Handshake()
	p.Strict(true)
	p.ExpectSettingsAck() // no connection WINDOW_UPDATE: the window is the RFC's initial one

	// More than a quarter of both windows, in frames of the default
	// SETTINGS_MAX_FRAME_SIZE.
	payload := bytes.Repeat([]byte("w"), window/4+1000)
	wireMsg := h2test.LengthPrefixed(false, payload)
	p.WriteGRPCRequestHeaders(1, readPath, false)
	for rest := wireMsg; len(rest) > 0; {
		n := min(len(rest), 16384)
		p.WriteData(1, false, rest[:n])
		rest = rest[n:]
	}
	if n := <-g.received; n != len(payload) {
		t.Fatalf("the handler received %d bytes, want %d", n, len(payload))
	}
	credit := map[uint32]uint32{}
	for len(credit) < 2 {
		f := p.ReadFrame()
		wu, ok := f.(*http2.WindowUpdateFrame)
		if !ok || (wu.StreamID != 0 && wu.StreamID != 1) {
			t.Fatalf("expected WINDOW_UPDATE on the connection and on stream 1, got %v\n%s", f, p.FrameLog())
		}
		credit[wu.StreamID] += wu.Increment
	}
	for id, incr := range credit {
		if incr < window/4 || incr > uint32(len(wireMsg)) {
			t.Errorf("WINDOW_UPDATE on stream %d returned %d bytes; want between a quarter of the window (%d) and the %d bytes sent",
				id, incr, window/4, len(wireMsg))
		}
	}
	p.WriteRST(1, http2.ErrCodeCancel)
}
