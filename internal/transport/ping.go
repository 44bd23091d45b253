package transport

import (
	"context"
	"crypto/rand"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// PING, RFC 9113 §6.7: "Receivers of a PING frame that does not include an
// ACK flag MUST send a PING frame with the ACK flag set in response, with an
// identical frame payload." Conn.Ping measures a round trip; keepalive.go
// sends the keepalive pings and enforces the policy on the peer's, flood.go
// bounds them.

// processPing answers a PING with a PING ACK, or completes a wait for the
// ACK of ours.
func (c *Conn) processPing(f *http2.PingFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Ping: f.Data})
	}
	if f.IsAck() {
		c.mu.Lock()
		if ch, ok := c.pingWaiters[f.Data]; ok {
			delete(c.pingWaiters, f.Data)
			close(ch)
		}
		c.mu.Unlock()
		return nil
	}
	// A PING that follows data this side sent is what BDP estimators do
	// (grpc-go pings once per round trip that carried data, for as long as
	// its estimate grows) and what keepalive does on a busy connection: only
	// PINGs with no HEADERS or DATA of ours in between draw from the flood
	// bucket and count as strikes.
	sent := c.sentSincePing.Swap(false)
	if !sent && !c.floods.pings.take(time.Now()) {
		return flood("PING frames")
	}
	if !c.enforcePing(sent) {
		// doc/keepalive.md: the client pings more often than the policy allows.
		c.log.Info("grpcwire: client pings too often; closing", "remote", c.nc.RemoteAddr().String())
		return connError{http2.ErrCodeEnhanceYourCalm, "too_many_pings"}
	}
	if !c.queuedControl() {
		return flood("PING ACKs the peer does not read")
	}
	return c.q.push1(writeReq{kind: reqPing, pingAck: true, ping: f.Data, ctl: true})
}

// Ping sends a PING and waits for its ACK or ctx's end.
func (c *Conn) Ping(ctx context.Context) error {
	var data [8]byte
	rand.Read(data[:])
	ch := make(chan struct{})
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return &ConnError{Err: errClosedLocally}
	}
	if c.pingWaiters == nil {
		c.pingWaiters = make(map[[8]byte]chan struct{})
	}
	c.pingWaiters[data] = ch
	c.mu.Unlock()
	if err := c.q.push1(writeReq{kind: reqPing, ping: data}); err != nil {
		return &ConnError{Err: err}
	}
	select {
	case <-ch:
		if c.closed.Load() {
			return &ConnError{Err: c.Err()}
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pingWaiters, data)
		c.mu.Unlock()
		return ctx.Err()
	}
}
