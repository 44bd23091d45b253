package transport

import (
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
)

// Every test here runs in a testing/synctest bubble: the connection's
// timers (keepalive, idle, age) fire on the bubble's clock, which jumps
// ahead whenever every goroutine waits, so hours pass in microseconds and
// the times measured are exact. (The server's defaults — keepalive, idle
// and age all off, and its policy on the client's pings — are pinned in
// server/conn_keepalive_test.go.)

// TestServerKeepalivePing (doc/keepalive.md, KEEPALIVE_TIME and
// KEEPALIVE_TIMEOUT): after Time without a frame from the client the server
// pings; an answered ping keeps the connection, an unanswered one closes it
// Timeout later. PermitWithoutStream is set, as the server package sets it
// for its own pings.
func TestServerKeepalivePing(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		const every, timeout = time.Minute, 10 * time.Second
		_, p := pipeClient(t, Config{Keepalive: KeepaliveConfig{Time: every, Timeout: timeout, PermitWithoutStream: true}}, newGate())
		last := time.Now()
		for range 3 {
			data := p.ExpectPing(false)
			if waited := time.Since(last); waited != every {
				t.Errorf("keepalive PING after %v of silence, want %v", waited, every)
			}
			p.WritePing(true, data)
			last = time.Now()
		}
		p.ExpectPing(false)
		pinged := time.Now()
		p.ExpectClosed()
		if waited := time.Since(pinged); waited != timeout {
			t.Errorf("the connection closed %v after the unanswered PING, want %v", waited, timeout)
		}
	})
}

// TestMaxConnectionIdle: with MaxConnectionIdle a connection that has had
// no stream open for that long is closed with GOAWAY(NO_ERROR, "max_idle");
// an open stream holds it off, and the idle time counts from the stream's
// end.
func TestMaxConnectionIdle(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		const idle = time.Minute
		g := newGate()
		cfg := Config{Keepalive: KeepaliveConfig{MaxConnectionIdle: idle}}

		// Never used: closed after idle.
		_, p := pipeClient(t, cfg, g)
		start := time.Now()
		ga := p.ExpectGoAway(http2.ErrCodeNo)
		if waited := time.Since(start); waited != idle {
			t.Errorf("GOAWAY after %v idle, want %v", waited, idle)
		}
		if string(ga.DebugData()) != "max_idle" || ga.LastStreamID != 0 {
			t.Errorf("GOAWAY(last %d, %q), want (0, max_idle)", ga.LastStreamID, ga.DebugData())
		}
		p.ExpectClosed()

		// A call open for ten times the limit keeps it; then idle counts.
		_, p = pipeClient(t, cfg, g)
		request(t, p, 1, "long")
		g.waitStarted(t, 1)
		p.ExpectNoFrame(10 * idle)
		close(g.open)
		expectEchoes(t, p, 1)
		ended := time.Now()
		ga = p.ExpectGoAway(http2.ErrCodeNo)
		if waited := time.Since(ended); waited != idle {
			t.Errorf("GOAWAY %v after the last call ended, want %v", waited, idle)
		}
		if ga.LastStreamID != 1 {
			t.Errorf("GOAWAY names stream %d, want 1", ga.LastStreamID)
		}
		p.ExpectClosed()
	})
}

// TestMaxConnectionAge: with MaxConnectionAge a connection is closed
// gracefully once it is that old, give or take 10% (doc/keepalive.md:
// "a random jitter of +/-10%"): the two GOAWAYs with debug data "max_age",
// then MaxConnectionAgeGrace for the calls in flight, then the connection
// is cut.
func TestMaxConnectionAge(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		const age, grace = 10 * time.Minute, time.Minute
		g := newGate()
		_, p := pipeClient(t, Config{Keepalive: KeepaliveConfig{MaxConnectionAge: age, MaxConnectionAgeGrace: grace}}, g)
		start := time.Now()
		request(t, p, 1, "old")
		g.waitStarted(t, 1)
		ga := p.ExpectGoAway(http2.ErrCodeNo)
		old := time.Since(start)
		if old < age*9/10 || old > age*11/10 {
			t.Errorf("GOAWAY at age %v, want %v ± 10%%", old, age)
		}
		if ga.LastStreamID != maxStreamID || string(ga.DebugData()) != "max_age" {
			t.Errorf("first GOAWAY(last %d, %q), want (2^31-1, max_age)", ga.LastStreamID, ga.DebugData())
		}
		p.WritePing(true, p.ExpectPing(false))
		ga = p.ExpectGoAway(http2.ErrCodeNo)
		if ga.LastStreamID != 1 || string(ga.DebugData()) != "max_age" {
			t.Errorf("second GOAWAY(last %d, %q), want (1, max_age)", ga.LastStreamID, ga.DebugData())
		}
		p.ExpectClosed()
		if cut := time.Since(start) - old; cut != grace {
			t.Errorf("the call in flight was cut %v after the GOAWAY, want the grace %v", cut, grace)
		}
		if err := <-g.ended; err == nil {
			t.Error("the handler's stream did not end")
		}
	})
}
