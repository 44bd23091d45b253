package server_test

import (
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// Every test here runs in a testing/synctest bubble: the server's timers
// (keepalive, idle, age) fire on the bubble's clock, which jumps ahead
// whenever every goroutine waits, so hours pass in microseconds and the
// times measured are exact. These pin the server's defaults and its policy
// on the client's pings; the engine's timers themselves (keepalive pings,
// idle and age limits) are pinned in internal/transport/keepalive_test.go.

// TestServerKeepaliveOffByDefault: without the option the server never
// pings and never closes a quiet connection.
func TestServerKeepaliveOffByDefault(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		_, ln := pipeServer(t, nil)
		p := pipeRawClient(t, ln)
		p.Strict(true)
		p.ExpectWindowUpdate(0)
		p.ExpectSettingsAck()
		p.ExpectNoFrame(24 * time.Hour)
		// Still open: a PING is answered.
		p.WritePing(false, [8]byte{1})
		p.ExpectPing(true)
	})
}

// TestPingPolicyEnforced pins doc/keepalive.md's enforcement of the
// client's pings: a ping sooner than the minimum interval after the last
// one (two hours while no stream is open, unless pings without streams are
// permitted) is a strike, unless the server sent headers or data since; one
// strike more than the maximum ends the connection with GOAWAY
// ENHANCE_YOUR_CALM and debug data "too_many_pings".
func TestPingPolicyEnforced(t *testing.T) {
	tests := []struct {
		name     string
		policy   *server.KeepaliveEnforcement // nil: the default
		stream   bool                         // a call is open while pinging
		talk     bool                         // the server sends a message between pings
		interval time.Duration
		goAway   int // the ping that draws the GOAWAY; 0: none of 10
	}{
		{name: "default, stream open, every minute", stream: true, interval: time.Minute, goAway: 4},
		{name: "default, stream open, every 5 minutes", stream: true, interval: wire.KeepaliveMinTime},
		{name: "default, stream open, every minute, data between", stream: true, talk: true, interval: time.Minute},
		{name: "default, no stream, every hour", interval: time.Hour, goAway: 4},
		{name: "default, no stream, every 2 hours", interval: 2 * time.Hour},
		{
			name:     "permit without stream, every 10 minutes",
			policy:   &server.KeepaliveEnforcement{MinTime: 5 * time.Minute, PermitWithoutStream: true, MaxStrikes: 2},
			interval: 10 * time.Minute,
		},
		{
			name:     "no strikes allowed",
			policy:   &server.KeepaliveEnforcement{MinTime: 10 * time.Second, MaxStrikes: 0},
			stream:   true,
			interval: 5 * time.Second,
			goAway:   2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				var opts []server.Option
				if tt.policy != nil {
					opts = append(opts, server.KeepaliveEnforcementPolicy(*tt.policy))
				}
				g := newGate()
				_, ln := pipeServer(t, g.service(), opts...)
				p := pipeRawClient(t, ln)
				if tt.stream {
					// A bidi call stays open; Chat echoes what it is sent.
					p.WriteGRPCRequestHeaders(1, testsvc.ChatPath, false)
				}
				for i := 1; i <= 10; i++ {
					if tt.talk {
						p.WriteGRPCMessage(1, false, false, []byte{})
						if i == 1 {
							p.ExpectHeaders(1, false)
						}
						p.ExpectGRPCMessage(1)
					}
					p.WritePing(false, [8]byte{byte(i)})
					if i == tt.goAway {
						ga := p.ExpectGoAway(http2.ErrCodeEnhanceYourCalm)
						if string(ga.DebugData()) != "too_many_pings" {
							t.Errorf("GOAWAY debug data %q, want too_many_pings", ga.DebugData())
						}
						p.ExpectClosed(http2.FrameHeaders, http2.FrameData, http2.FrameRSTStream)
						return
					}
					if got := p.ExpectPing(true); got[0] != byte(i) {
						t.Fatalf("PING ACK for ping %d carries % x", i, got)
					}
					time.Sleep(tt.interval)
				}
				if tt.goAway != 0 {
					t.Errorf("no GOAWAY after 10 pings, want one at ping %d", tt.goAway)
				}
			})
		})
	}
}

// TestConnectionAgeAndIdleOffByDefault: without the options a connection
// with or without calls lives on.
func TestConnectionAgeAndIdleOffByDefault(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		_, ln := pipeServer(t, g.service())
		p := pipeRawClient(t, ln)
		p.ExpectNoFrame(100 * time.Hour)
		request(t, p, 1, "late")
		g.waitStarted(t, 1)
		p.ExpectNoFrame(100 * time.Hour)
		close(g.open)
		expectEchoes(t, p, 1)
	})
}
