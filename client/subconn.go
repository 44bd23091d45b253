package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/transport"
)

// One connection per address. A Conn keeps a subConn for each address its
// resolver reports (grpc's "subchannel"); each has the connectivity state of
// grpc/grpc doc/connectivity-semantics-and-api.md and its own backoff
// (doc/connection-backoff.md), and holds at most one HTTP/2 connection that
// takes new calls. A connection that got GOAWAY leaves its subConn at once
// (new calls go elsewhere) and drains: its calls in flight run to their end.

// connState is a connection's state, doc/connectivity-semantics-and-api.md.
type connState uint8

const (
	// stateIdle: no connection and no attempt; the next need makes one.
	stateIdle connState = iota
	// stateConnecting: an attempt is under way (TCP, TLS, the server's
	// first SETTINGS) or, with health checks, the first health answer is
	// awaited.
	stateConnecting
	// stateReady: the connection takes calls.
	stateReady
	// stateTransientFailure: the last attempt failed and the next waits
	// for its backoff, or the backend reports that it is not serving.
	stateTransientFailure
	// stateShutdown: the address left the resolver's list, or the Conn
	// closed.
	stateShutdown
)

// String returns the state's name in the document.
func (s connState) String() string {
	switch s {
	case stateIdle:
		return "IDLE"
	case stateConnecting:
		return "CONNECTING"
	case stateReady:
		return "READY"
	case stateTransientFailure:
		return "TRANSIENT_FAILURE"
	case stateShutdown:
		return "SHUTDOWN"
	}
	return fmt.Sprintf("connState(%d)", uint8(s))
}

// subConn is the connection to one address. Every field but c and addr is
// guarded by c.mu.
type subConn struct {
	c    *Conn
	addr Address

	state      connState
	tc         *transport.Conn // the connection taking calls; nil when none
	attempting bool            // an attempt's goroutine runs (in its backoff, or dialing)
	lastErr    error           // why the last attempt failed; nil after a success
	failures   int             // failed attempts in a row, for backoff
	retryAt    time.Time       // the next attempt may not start before
	health     healthState     // what client-side health checking says of tc
	healthMsg  string          // why health is not serving, for error messages
	stopHealth context.CancelFunc
	removed    chan struct{} // closed when the address leaves the list
}

// newSubConn makes the subConn of addr, idle.
func newSubConn(c *Conn, addr Address) *subConn {
	return &subConn{c: c, addr: addr, removed: make(chan struct{})}
}

// setStateLocked moves sc to s and wakes everyone waiting for a change.
func (sc *subConn) setStateLocked(s connState) {
	if sc.state == s {
		return
	}
	sc.c.opts.logger.Debug("grpcwire: connection state", "target", sc.c.target, "address", sc.addr.String(), "from", sc.state.String(), "to", s.String())
	sc.state = s
	sc.c.changedLocked()
}

// usableLocked reports whether a new call may go to sc now.
func (sc *subConn) usableLocked() bool {
	return sc.state == stateReady && sc.tc != nil && sc.health.allowsCalls() && sc.tc.CanOpen()
}

// backingOffLocked reports whether sc may not start an attempt yet.
func (sc *subConn) backingOffLocked(now time.Time) bool {
	return sc.lastErr != nil && now.Before(sc.retryAt)
}

// connectLocked starts an attempt unless one runs or sc has a connection; it
// waits for the backoff first if the last attempt failed.
func (sc *subConn) connectLocked() {
	c := sc.c
	if sc.attempting || sc.tc != nil || sc.state == stateShutdown || c.closed {
		return
	}
	sc.attempting = true
	delay := time.Until(sc.retryAt)
	if delay <= 0 {
		sc.setStateLocked(stateConnecting)
	}
	c.wg.Add(1)
	go sc.connect(delay)
}

// connect runs one connection attempt after delay.
func (sc *subConn) connect(delay time.Duration) {
	c := sc.c
	defer c.wg.Done()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.closeCh:
			t.Stop()
		case <-sc.removed:
			t.Stop()
		}
		c.mu.Lock()
		if !c.closed && sc.state != stateShutdown {
			sc.setStateLocked(stateConnecting)
		}
		c.mu.Unlock()
	}
	tc, err := sc.dial()
	c.mu.Lock()
	sc.attempting = false
	if c.closed || sc.state == stateShutdown {
		c.mu.Unlock()
		if tc != nil {
			tc.Close()
		}
		return
	}
	if err != nil {
		sc.lastErr = err
		c.lastErr = err
		sc.retryAt = time.Now().Add(backoffDelay(c.opts.backoff, sc.failures))
		sc.failures++
		c.opts.logger.Info("grpcwire: connection attempt failed", "target", c.target, "address", sc.addr.String(), "err", err, "retry_in", time.Until(sc.retryAt).Round(time.Millisecond))
		sc.setStateLocked(stateTransientFailure)
		c.resolveNowLocked()
	} else {
		sc.lastErr = nil
		c.lastErr = nil
		sc.failures = 0
		sc.retryAt = time.Time{}
		sc.tc = tc
		c.startHealthLocked(sc, tc)
		sc.setStateLocked(stateReady)
	}
	c.balanceLocked()
	c.mu.Unlock()
}

// lostLocked takes tc out of sc, which had it as its connection: the
// connection ended or received GOAWAY. sc goes idle, the resolver is asked
// to resolve again, and the balancer decides whether to reconnect.
func (sc *subConn) lostLocked(tc *transport.Conn) {
	if sc.tc != tc {
		return
	}
	sc.tc = nil
	sc.health = healthUnchecked
	if sc.stopHealth != nil {
		sc.stopHealth()
		sc.stopHealth = nil
	}
	if sc.state != stateShutdown {
		sc.setStateLocked(stateIdle)
	}
	sc.c.resolveNowLocked()
	sc.c.balanceLocked()
}

// shutdownLocked retires sc: an attempt stops, and with goAway (its address
// left the list) its connection closes once its calls are done, telling the
// server with GOAWAY "address removed". Close passes false: it closes every
// connection itself, with GOAWAY "client closed".
func (sc *subConn) shutdownLocked(goAway bool) {
	if sc.state == stateShutdown {
		return
	}
	sc.setStateLocked(stateShutdown)
	close(sc.removed)
	if sc.stopHealth != nil {
		sc.stopHealth()
		sc.stopHealth = nil
	}
	if tc := sc.tc; tc != nil {
		sc.tc = nil
		if goAway {
			tc.GoAway(http2.ErrCodeNo, "address removed")
		}
	}
}

// dropLocked closes sc's connection once its calls are done, as pick_first
// does with a connection it does not use; sc goes idle.
func (sc *subConn) dropLocked() {
	tc := sc.tc
	if tc == nil {
		return
	}
	sc.tc = nil
	sc.health = healthUnchecked
	if sc.stopHealth != nil {
		sc.stopHealth()
		sc.stopHealth = nil
	}
	sc.setStateLocked(stateIdle)
	tc.GoAway(http2.ErrCodeNo, "not used")
}

// backoffDelay is doc/connection-backoff.md's delay after n failures:
// min(BaseDelay*Multiplier^n, MaxDelay), randomized by ±Jitter.
func backoffDelay(b Backoff, n int) time.Duration {
	d := float64(b.BaseDelay)
	for i := 0; i < n && d < float64(b.MaxDelay); i++ {
		d *= b.Multiplier
	}
	d = min(d, float64(b.MaxDelay))
	d *= 1 + b.Jitter*(rand.Float64()*2-1)
	return time.Duration(d)
}

// dial makes one connection to sc's address: TCP or a Unix socket, TLS with
// ALPN h2, the HTTP/2 preface, and the server's first SETTINGS, which prove
// it speaks HTTP/2.
func (sc *subConn) dial() (*transport.Conn, error) {
	c := sc.c
	addr := sc.addr.String()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.connectTimeout)
	defer cancel()
	go func() {
		select {
		case <-c.closeCh:
			cancel()
		case <-sc.removed:
			cancel()
		case <-ctx.Done():
		}
	}()
	var nc net.Conn
	var err error
	if c.opts.dialer != nil {
		// A custom dialer gets host:port for TCP and the address in
		// target syntax ("unix:/path") for a Unix socket.
		nc, err = c.opts.dialer(ctx, addr)
	} else {
		var d net.Dialer
		nc, err = d.DialContext(ctx, sc.addr.network(), sc.addr.Addr)
	}
	if err != nil {
		return nil, describeDialError(addr, err)
	}
	if c.opts.tls != nil {
		cfg := c.opts.tls.Clone()
		if !slices.Contains(cfg.NextProtos, "h2") {
			cfg.NextProtos = append(cfg.NextProtos, "h2")
		}
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(c.authority)
			if err != nil {
				host = c.authority
			}
			cfg.ServerName = host
		}
		tlc := tls.Client(nc, cfg)
		if err := tlc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, describeTLSError(addr, err)
		}
		if p := tlc.ConnectionState().NegotiatedProtocol; p != "h2" {
			tlc.Close()
			return nil, errNoH2(addr, p)
		}
		nc = tlc
	}
	var tc *transport.Conn
	cfg := transport.Config{
		MaxFrameSize:      c.opts.maxFrameSize,
		InitialWindowSize: c.opts.initialWindow,
		ConnWindowSize:    c.opts.connWindow,
		MaxHeaderListSize: c.opts.maxHeaderListSize,
		ReadBufferSize:    c.opts.readBuffer,
		WriteBufferSize:   c.opts.writeBuffer,
		Logger:            c.opts.logger,
		OnGoAway: func(last uint32, code http2.ErrCode, debug []byte) {
			c.onGoAway(last, code, debug)
			// New calls go elsewhere at once; the calls in flight drain.
			c.mu.Lock()
			sc.lostLocked(tc)
			c.mu.Unlock()
		},
	}
	c.mu.Lock()
	if c.kaTime > 0 {
		cfg.Keepalive = transport.KeepaliveConfig{Time: c.kaTime, Timeout: c.opts.keepalive.Timeout, PermitWithoutStream: c.opts.keepalive.PermitWithoutStream}
	}
	c.mu.Unlock()
	if c.opts.observer != nil {
		cfg.Observer = c.opts.observer(ConnInfo{LocalAddr: nc.LocalAddr().String(), RemoteAddr: nc.RemoteAddr().String(), Start: time.Now(), Address: sc.addr})
	}
	tc = transport.NewClientConn(nc, cfg)
	c.mu.Lock()
	if c.live == nil {
		c.live = make(map[*transport.Conn]struct{})
	}
	c.live[tc] = struct{}{}
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		tc.Run()
		c.mu.Lock()
		delete(c.live, tc)
		sc.lostLocked(tc)
		c.mu.Unlock()
	}()
	select {
	case <-tc.Settled():
		return tc, nil
	case <-tc.Done():
		return nil, describeEarlyClose(addr, c.opts.tls != nil, tc.Err())
	case <-ctx.Done():
		tc.Close()
		if c.isClosed() {
			return nil, errClosing
		}
		return nil, errNoSettings(addr, c.opts.tls != nil, c.opts.connectTimeout)
	}
}
