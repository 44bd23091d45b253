package server_test

import (
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// settingValue returns the value of setting id in settings, and whether it
// is there.
func settingValue(settings []http2.Setting, id http2.SettingID) (uint32, bool) {
	for _, s := range settings {
		if s.ID == id {
			return s.Val, true
		}
	}
	return 0, false
}

// TestLimitsAdvertised: the server's first SETTINGS frame carries
// MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE, wire's defaults unless
// the options say otherwise.
func TestLimitsAdvertised(t *testing.T) {
	tests := []struct {
		name              string
		opts              []server.Option
		streams, hdrLimit uint32
	}{
		{"defaults", nil, wire.DefaultMaxConcurrentStreams, wire.DefaultMaxHeaderListSize},
		{"options", []server.Option{server.MaxConcurrentStreams(7), server.MaxHeaderListSize(4096)}, 7, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			_, addr := testsvc.Start(t, nil, tt.opts...)
			p := testsvc.RawClient(t, addr)
			settings := p.ExpectSettings()
			p.WriteSettingsAck()
			if v, ok := settingValue(settings, http2.SettingMaxConcurrentStreams); !ok || v != tt.streams {
				t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d (present: %v), want %d", v, ok, tt.streams)
			}
			if v, ok := settingValue(settings, http2.SettingMaxHeaderListSize); !ok || v != tt.hdrLimit {
				t.Errorf("SETTINGS_MAX_HEADER_LIST_SIZE = %d (present: %v), want %d", v, ok, tt.hdrLimit)
			}
		})
	}
}

// TestHeaderListSizeEnforced: a request whose header list exceeds the
// advertised SETTINGS_MAX_HEADER_LIST_SIZE is answered with HTTP 431 (RFC
// 9113 §10.5.1 and RFC 6585 §5) and a gRPC status naming the limit, and the
// connection goes on serving; one just under the limit is served. A block
// far beyond the limit (more than twice the limit and a frame) ends the
// connection with ENHANCE_YOUR_CALM, since decoding it is work for nothing.
func TestHeaderListSizeEnforced(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const limit = 4096
	_, addr := testsvc.Start(t, nil, server.MaxHeaderListSize(limit))
	p := testsvc.RawClient(t, addr)
	p.Handshake()

	// RFC 9113 §6.5.2 counts each field as name + value + 32 octets; the
	// request's own fields take a few hundred.
	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, true, "x-big", strings.Repeat("v", limit))
	h := p.ExpectHeaders(1, false)
	if got := h.Get(":status"); got != "431" {
		t.Errorf(":status %q, want 431", got)
	}
	if got := h.Get("grpc-status"); got != "8" {
		t.Errorf("grpc-status %q, want 8 (RESOURCE_EXHAUSTED)", got)
	}
	body := string(p.ExpectBody(1))
	if !strings.Contains(body, "4096") || !strings.Contains(body, "SETTINGS_MAX_HEADER_LIST_SIZE") {
		t.Errorf("body %q does not name the limit", body)
	}

	// Just under the limit: served.
	p.WriteGRPCRequestHeaders(3, testsvc.EchoPath, false, "x-big", strings.Repeat("v", limit-600))
	p.WriteGRPCMessage(3, true, false, testsvc.Marshal(t, wrapperspb.String("under")))
	if got := expectEchoes(t, p, 3); got[3] != "under" {
		t.Errorf("a request under the limit got %q", got[3])
	}

	// Far over: the connection ends.
	p.WriteGRPCRequestHeaders(5, testsvc.EchoPath, true, "x-huge", strings.Repeat("v", 2*limit+wire.DefaultMaxFrameSize/2), "x-more", strings.Repeat("w", wire.DefaultMaxFrameSize))
	g := p.ExpectGoAway(http2.ErrCodeEnhanceYourCalm)
	if g.LastStreamID != 3 {
		t.Errorf("GOAWAY names stream %d, want 3", g.LastStreamID)
	}
	p.ExpectClosed()
}
