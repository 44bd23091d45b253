package transport

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/wire"
)

// TestGracefulStopTwoPhaseGoAway pins the graceful shutdown on the wire (RFC
// 9113 §6.8: "A server that is attempting to gracefully shut down a
// connection SHOULD send an initial GOAWAY frame with the last stream
// identifier set to 2^31-1 and a NO_ERROR code ... After allowing time for
// any in-flight stream creation (at least one round-trip time), the server
// MAY send another GOAWAY frame with an updated last stream identifier"):
// GOAWAY(2^31-1) and a PING; a stream the client opens before it has seen
// them is still served; once the PING is acknowledged, GOAWAY with the real
// last stream id; a stream above it is refused with REFUSED_STREAM; the
// calls in flight then finish and the connection closes.
func TestGracefulStopTwoPhaseGoAway(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	g := newGate()
	srv, p := rawClient(t, Config{}, g)
	p.Handshake()
	request(t, p, 1, "one")
	g.waitStarted(t, 1)

	ctx, cancel := context.WithTimeout(context.Background(), h2test.DefaultTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() { srv.GracefulShutdown(ctx); close(stopped) }()

	first := p.ExpectGoAway(http2.ErrCodeNo)
	if first.LastStreamID != maxStreamID {
		t.Errorf("first GOAWAY names stream %d, want 2^31-1", first.LastStreamID)
	}
	ping := p.ExpectPing(false)
	// A stream opened "in flight", before the client saw the GOAWAY.
	request(t, p, 3, "three")
	g.waitStarted(t, 1)
	p.WritePing(true, ping)
	second := p.ExpectGoAway(http2.ErrCodeNo)
	if second.LastStreamID != 3 {
		t.Errorf("second GOAWAY names stream %d, want 3, the last one opened", second.LastStreamID)
	}
	request(t, p, 5, "five")
	p.ExpectRST(5, http2.ErrCodeRefusedStream)
	select {
	case <-stopped:
		t.Fatal("GracefulShutdown returned with calls in flight")
	default:
	}

	close(g.open)
	got := expectEchoes(t, p, 1, 3)
	if got[1] != "one" || got[3] != "three" {
		t.Errorf("responses %v; want both calls in flight answered", got)
	}
	p.ExpectClosed()
	within(t, stopped, "GracefulShutdown to return")
	if ctx.Err() != nil {
		t.Error("GracefulShutdown returned at its context's end, not when the calls had finished")
	}
}

// TestGracefulStopIdleConnection: a connection without calls gets both
// GOAWAYs (the second naming stream 0, none having been opened) and is
// closed.
func TestGracefulStopIdleConnection(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv, p := rawClient(t, Config{}, newGate())
	p.Handshake()
	stopped := make(chan struct{})
	go func() { srv.GracefulShutdown(context.Background()); close(stopped) }()
	if g := p.ExpectGoAway(http2.ErrCodeNo); g.LastStreamID != maxStreamID {
		t.Errorf("first GOAWAY names stream %d, want 2^31-1", g.LastStreamID)
	}
	p.WritePing(true, p.ExpectPing(false))
	if g := p.ExpectGoAway(http2.ErrCodeNo); g.LastStreamID != 0 {
		t.Errorf("second GOAWAY names stream %d, want 0", g.LastStreamID)
	}
	p.ExpectClosed()
	within(t, stopped, "GracefulShutdown to return")
}

// TestGracefulStopPingBound: a client that never acknowledges the PING
// gets the second GOAWAY after wire.DefaultGracefulStopPingBound (the
// fallback of Config.GracefulPingBound), not never.
func TestGracefulStopPingBound(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		srv, p := pipeClient(t, Config{}, g)
		request(t, p, 1, "one")
		g.waitStarted(t, 1)
		stopped := make(chan struct{})
		go func() { srv.GracefulShutdown(context.Background()); close(stopped) }()
		p.ExpectGoAway(http2.ErrCodeNo)
		p.ExpectPing(false)
		start := time.Now()
		second := p.ExpectGoAway(http2.ErrCodeNo)
		if waited := time.Since(start); waited != wire.DefaultGracefulStopPingBound {
			t.Errorf("the second GOAWAY came %v after the PING, want %v", waited, wire.DefaultGracefulStopPingBound)
		}
		if second.LastStreamID != 1 {
			t.Errorf("second GOAWAY names stream %d, want 1", second.LastStreamID)
		}
		close(g.open)
		expectEchoes(t, p, 1)
		p.ExpectClosed()
		<-stopped
	})
}
