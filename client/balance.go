package client

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"grpcwire/internal/transport"
)

// Load balancing, grpc/grpc doc/load-balancing.md: "the client [...] will
// receive a list of addresses" and "the load balancing policy [...] is
// responsible for maintaining connections (subchannels) to the servers and
// picking a connection to use when an RPC is sent." The policy is chosen by
// the service config's loadBalancingConfig (see WithServiceConfig):
//
//   - pick_first, the default as in every gRPC: the addresses are tried in
//     order until one connects, and every call goes to that one. It connects
//     only when a call (or WaitReady) needs it; after the connection is lost
//     the next call starts again from the first address.
//   - round_robin: every address gets a connection, at once, and each is
//     kept up (reconnected after a loss, retried after its backoff); calls go
//     to the ready ones in turn. With healthCheckConfig, a backend counts as
//     ready only while its health service says SERVING (doc/health-checking.md;
//     gRFC A17 leaves pick_first without health checks, and so does this).
//
// A call that finds no ready connection waits while one is being made, and
// fails fast with UNAVAILABLE once every address is in TRANSIENT_FAILURE
// (doc/wait-for-ready.md); with wait-for-ready it waits for its context.

// The load-balancing policies, by their names in the service config.
const (
	policyPickFirst  = "pick_first"
	policyRoundRobin = "round_robin"
)

// pickLocked returns a connection for a new call, or nil when none is ready.
func (c *Conn) pickLocked() *transport.Conn {
	n := len(c.subs)
	if c.policy == policyRoundRobin {
		for i := range n {
			k := (c.rrNext + i) % n
			if sc := c.subs[k]; sc.usableLocked() {
				c.rrNext = (k + 1) % n
				return sc.tc
			}
		}
		return nil
	}
	for _, sc := range c.subs {
		if sc.usableLocked() {
			return sc.tc
		}
	}
	return nil
}

// connectLocked starts the attempts the policy wants now that a call needs a
// connection: round_robin one per address without a connection, pick_first
// the next address in order.
func (c *Conn) connectLocked() {
	if c.policy == policyRoundRobin {
		for _, sc := range c.subs {
			sc.connectLocked()
		}
		return
	}
	for _, sc := range c.subs {
		if sc.tc != nil || sc.state == stateConnecting {
			return // connected, draining a health check, or a pass under way
		}
	}
	now := time.Now()
	for _, sc := range c.subs {
		if !sc.attempting && !sc.backingOffLocked(now) {
			sc.connectLocked()
			return
		}
	}
	// Every address failed lately: the one whose backoff ends first goes
	// next (its attempt waits for it).
	var next *subConn
	for _, sc := range c.subs {
		if sc.attempting {
			return
		}
		if next == nil || sc.retryAt.Before(next.retryAt) {
			next = sc
		}
	}
	if next != nil {
		next.connectLocked()
	}
}

// balanceLocked is the policy's reaction to a change of a connection's
// state: round_robin reconnects whatever lost its connection (after its
// backoff); pick_first, which uses one connection, closes the others once
// one is ready.
func (c *Conn) balanceLocked() {
	if c.closed {
		return
	}
	if c.policy == policyRoundRobin {
		if c.exited {
			for _, sc := range c.subs {
				sc.connectLocked()
			}
		}
		return
	}
	var chosen *subConn
	for _, sc := range c.subs {
		if sc.tc == nil {
			continue
		}
		if chosen == nil {
			chosen = sc
			continue
		}
		// A second ready connection (an earlier address came back while
		// a later one was chosen, or an update reordered the list): keep
		// the first in order, as pick_first does, and let the other drain.
		sc.dropLocked()
	}
}

// failFastLocked is the error of a call that may not wait: nil while a
// connection may still become ready (the resolver has not answered, an
// attempt or a first health check is under way), else UNAVAILABLE saying
// why nothing can take the call.
func (c *Conn) failFastLocked() error {
	if len(c.subs) == 0 {
		if c.resolveErr != nil {
			return c.resolveFailed()
		}
		return nil
	}
	var notServing []string
	for _, sc := range c.subs {
		switch {
		case sc.state == stateConnecting, sc.state == stateIdle:
			return nil
		case sc.state == stateReady && sc.tc != nil && !sc.tc.CanOpen():
			// Its connection is going away (GOAWAY came, or it ended) and
			// has not been taken out yet (lostLocked): that makes sc idle,
			// and the policy connects again. A call the server never
			// processed, sent again at once, must wait for that rather
			// than fail because nothing seems left to try.
			return nil
		case sc.state == stateReady && sc.health == healthPending:
			return nil
		case sc.state == stateReady && !sc.health.allowsCalls():
			notServing = append(notServing, sc.addr.String()+" "+sc.healthMsg)
		case sc.state == stateTransientFailure && sc.tc != nil:
			notServing = append(notServing, sc.addr.String()+" "+sc.healthMsg)
		}
	}
	if c.lastErr != nil {
		return unavailable(c.lastErr)
	}
	if len(notServing) > 0 {
		return failed(joinTransport(errNotServing), "grpcwire: no backend can take the call: %s", strings.Join(notServing, "; "))
	}
	return unavailable(errNoAddresses)
}

// resolveFailed is the status of calls while the target does not resolve:
// UNAVAILABLE, naming the target and the resolver's error.
func (c *Conn) resolveFailed() error {
	return failed(joinTransport(c.resolveErr), "grpcwire: cannot resolve %q: %v", c.target, c.resolveErr)
}

// updateAddressesLocked replaces the address list: connections to the
// addresses that stay are kept, new ones start idle (round_robin connects
// them at once), and those of addresses gone are closed once their calls
// are done.
func (c *Conn) updateAddressesLocked(addrs []Address) {
	old := make(map[Address]*subConn, len(c.subs))
	for _, sc := range c.subs {
		old[normalAddress(sc.addr)] = sc
	}
	subs := make([]*subConn, 0, len(addrs))
	seen := make(map[Address]bool, len(addrs))
	for _, a := range addrs {
		a = normalAddress(a)
		if seen[a] {
			continue
		}
		seen[a] = true
		if sc, ok := old[a]; ok {
			subs = append(subs, sc)
			delete(old, a)
			continue
		}
		subs = append(subs, newSubConn(c, a))
	}
	for _, sc := range old {
		sc.shutdownLocked(true)
	}
	if len(c.subs) == 0 && len(subs) > 0 {
		// grpc-go's round_robin starts at a random address, so that
		// clients started together do not all begin with the first.
		c.rrNext = rand.IntN(len(subs))
	}
	c.subs = subs
	c.balanceLocked()
	c.changedLocked()
}

// normalAddress fills in the default network, so that "" and "tcp" compare
// equal.
func normalAddress(a Address) Address {
	a.Network = a.network()
	return a
}

// errNotServing is why calls fail when every backend is connected but
// reports that it is not serving.
var errNotServing = fmt.Errorf("no backend reports SERVING")
