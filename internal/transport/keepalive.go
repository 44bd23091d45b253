package transport

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// keepalive is a connection's timer-driven liveness machinery (grpc/grpc
// doc/keepalive.md): pings after a quiet period, closing when they go
// unanswered, and on a server the idle and age limits. It uses timers, not
// goroutines, so an idle connection costs nothing here.
type keepalive struct {
	mu        sync.Mutex
	ping      *time.Timer
	pingAt    time.Time // when our outstanding keepalive PING left; zero when none
	idle      *time.Timer
	idleSince time.Time // when the last stream ended; zero while streams are open
	age       *time.Timer
	stopped   bool

	// Server enforcement of the client's pings.
	lastPeerPing time.Time
	strikes      int
}

// startKeepalive arms the timers the configuration asks for.
func (c *Conn) startKeepalive() {
	k := &c.ka
	cfg := c.cfg.Keepalive
	k.mu.Lock()
	defer k.mu.Unlock()
	if cfg.Time > 0 {
		k.ping = time.AfterFunc(cfg.Time, c.keepaliveTick)
	}
	if c.isServer && cfg.MaxConnectionIdle > 0 {
		k.idleSince = time.Now()
		k.idle = time.AfterFunc(cfg.MaxConnectionIdle, c.idleTick)
	}
	if c.isServer && cfg.MaxConnectionAge > 0 {
		// ±10% jitter spreads the reconnections of clients that connected
		// together (doc/keepalive.md, MAX_CONNECTION_AGE).
		age := time.Duration(float64(cfg.MaxConnectionAge) * (1 - ageJitter + 2*ageJitter*rand.Float64()))
		k.age = time.AfterFunc(age, c.ageTick)
	}
}

// stopKeepalive stops every timer; callbacks still running see stopped.
func (c *Conn) stopKeepalive() {
	k := &c.ka
	k.mu.Lock()
	k.stopped = true
	for _, t := range []*time.Timer{k.ping, k.idle, k.age} {
		if t != nil {
			t.Stop()
		}
	}
	k.mu.Unlock()
}

// keepaliveTick runs when the connection may have been quiet for Time: it
// pings, or closes the connection when the last ping went unanswered for
// Timeout, or re-arms for when the quiet period would end.
func (c *Conn) keepaliveTick() {
	cfg := c.cfg.Keepalive
	timeout := cfg.Timeout
	k := &c.ka
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	now := time.Now()
	last := time.Unix(0, c.lastRead.Load())
	if !k.pingAt.IsZero() {
		switch {
		case !last.Before(k.pingAt):
			// Something arrived since the PING left (at the same instant
			// counts: a coarse clock, or a fake one, may not tell them
			// apart, and nothing read before the PING has that time, since
			// the PING only leaves after a quiet period).
			k.pingAt = time.Time{}
			k.ping.Reset(max(cfg.Time-now.Sub(last), time.Millisecond))
		case now.Sub(k.pingAt) >= timeout:
			k.mu.Unlock()
			c.log.Info("grpcwire: closing connection: keepalive ping not answered", "remote", c.nc.RemoteAddr().String(), "timeout", timeout)
			c.shutdown(errKeepaliveTimeout)
			return
		default:
			k.ping.Reset(timeout - now.Sub(k.pingAt))
		}
		k.mu.Unlock()
		return
	}
	if quiet := now.Sub(last); quiet < cfg.Time {
		k.ping.Reset(cfg.Time - quiet)
		k.mu.Unlock()
		return
	}
	if !cfg.PermitWithoutStream && c.NumStreams() == 0 {
		k.ping.Reset(cfg.Time)
		k.mu.Unlock()
		return
	}
	k.pingAt = now
	k.ping.Reset(timeout)
	k.mu.Unlock()
	c.q.push1(writeReq{kind: reqPing, ping: keepalivePingData})
}

// keepalivePingData marks our keepalive pings.
var keepalivePingData = [8]byte{'k', 'e', 'e', 'p', 'a', 'l', 'v', 'e'}

// streamsChanged tells the idle timer whether streams are open.
func (c *Conn) streamsChanged(open int) {
	if !c.isServer || c.cfg.Keepalive.MaxConnectionIdle <= 0 {
		return
	}
	k := &c.ka
	k.mu.Lock()
	if open == 0 {
		k.idleSince = time.Now()
	} else {
		k.idleSince = time.Time{}
	}
	k.mu.Unlock()
}

// idleTick closes a server connection that has had no stream for
// MaxConnectionIdle, with GOAWAY "max_idle".
func (c *Conn) idleTick() {
	limit := c.cfg.Keepalive.MaxConnectionIdle
	k := &c.ka
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	if k.idleSince.IsZero() {
		k.idle.Reset(limit)
		k.mu.Unlock()
		return
	}
	if idle := time.Since(k.idleSince); idle < limit {
		k.idle.Reset(limit - idle)
		k.mu.Unlock()
		return
	}
	k.mu.Unlock()
	c.log.Debug("grpcwire: closing idle connection", "remote", c.nc.RemoteAddr().String(), "idle", limit)
	c.GoAway(http2.ErrCodeNo, "max_idle")
}

// ageTick closes a server connection that reached MaxConnectionAge: a
// graceful GOAWAY "max_age", then at most MaxConnectionAgeGrace for the
// calls in flight.
func (c *Conn) ageTick() {
	k := &c.ka
	k.mu.Lock()
	stopped := k.stopped
	k.mu.Unlock()
	if stopped {
		return
	}
	grace := c.cfg.Keepalive.MaxConnectionAgeGrace
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if grace > 0 {
		ctx, cancel = context.WithTimeout(ctx, grace)
	}
	defer cancel()
	c.gracefulShutdown(ctx, "max_age")
}

// enforcePing applies the server's policy on the client's pings
// (doc/keepalive.md, "too_many_pings"): a ping sooner than EnforceMinTime
// after the previous one, or any ping within two hours while no stream is
// open and such pings are not permitted, is a strike, unless this side has
// sent headers or data since; more than MaxPingStrikes strikes end the
// connection with GOAWAY ENHANCE_YOUR_CALM "too_many_pings". It reports
// whether the connection may go on.
//
// sent says whether this side wrote HEADERS or DATA since the previous PING.
func (c *Conn) enforcePing(sent bool) bool {
	cfg := c.cfg.Keepalive
	if !c.isServer || cfg.EnforceMinTime <= 0 {
		return true
	}
	now := time.Now()
	k := &c.ka
	k.mu.Lock()
	defer func() { k.lastPeerPing = now; k.mu.Unlock() }()
	if sent {
		k.strikes = 0
		return true
	}
	window := cfg.EnforceMinTime
	if c.NumStreams() == 0 && !cfg.EnforcePermitWithoutStream {
		window = enforcementIdleWindow
	}
	if !k.lastPeerPing.IsZero() && now.Sub(k.lastPeerPing) < window {
		k.strikes++
	}
	return k.strikes <= cfg.MaxPingStrikes
}
