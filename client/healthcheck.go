package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// Client-side health checking, grpc/grpc doc/health-checking.md and gRFC
// A17: with the service config's healthCheckConfig, under round_robin, each
// connection calls grpc.health.v1.Health/Watch for healthCheckConfig's
// serviceName as soon as it is up, and its backend takes calls only while
// the last answer is SERVING:
//
//   - "The subchannel will stay in state CONNECTING until it receives the
//     first health-check response from the backend."
//   - "If the Watch() call fails with status UNIMPLEMENTED, the client will
//     act as if health checking is disabled": the backend stays in rotation
//     and the call is not made again.
//   - "If the Watch() call returns any other status, the subchannel will
//     transition to connectivity state TRANSIENT_FAILURE and will retry the
//     call", with exponential backoff, reset by every answer received.
//   - "When the client subchannel is shutting down or when the backend sends
//     a GOAWAY, the client will cancel the Watch() call."
//
// The messages are built without health's generated package, which imports
// this one: HealthCheckRequest {string service = 1} has the wire form of
// google.protobuf.StringValue {string value = 1}, and HealthCheckResponse
// {ServingStatus status = 1} (an enum, a varint) that of
// google.protobuf.Int32Value {int32 value = 1}. A test checks both against
// the generated messages.

// healthWatchMethod is the method a connection's health check calls.
const healthWatchMethod = "/grpc.health.v1.Health/Watch"

// healthWatchDesc is Watch's shape: one request, a stream of answers.
var healthWatchDesc = StreamDesc{ServerStreams: true}

// servingStatusServing is grpc.health.v1.HealthCheckResponse.SERVING.
const servingStatusServing = 1

// servingStatusNames are HealthCheckResponse.ServingStatus's values.
var servingStatusNames = map[int32]string{0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}

// healthState is what client-side health checking says of a connection.
type healthState uint8

const (
	// healthUnchecked: no health check (none configured, pick_first, or the
	// server has no Watch): the backend takes calls.
	healthUnchecked healthState = iota
	// healthPending: the first answer is awaited; no calls yet.
	healthPending
	// healthServing: the last answer was SERVING.
	healthServing
	// healthNotServing: the last answer was anything else, or the Watch
	// call failed and waits to be made again.
	healthNotServing
)

// allowsCalls reports whether a backend in state h takes calls.
func (h healthState) allowsCalls() bool { return h == healthUnchecked || h == healthServing }

// startHealthLocked starts the health check of sc's new connection tc, if
// the service config asks for one and the policy uses it.
func (c *Conn) startHealthLocked(sc *subConn, tc *transport.Conn) {
	sc.health = healthUnchecked
	if c.config.healthService == nil || c.policy != policyRoundRobin {
		return
	}
	sc.health = healthPending
	sc.healthMsg = "awaits its first health check answer"
	ctx, cancel := context.WithCancel(context.Background())
	sc.stopHealth = cancel
	c.wg.Add(1)
	go c.watchHealth(ctx, sc, tc, *c.config.healthService)
}

// watchHealth runs sc's health check on tc until ctx ends: the connection
// was lost or got GOAWAY, the address left the list, or the Conn closed.
func (c *Conn) watchHealth(ctx context.Context, sc *subConn, tc *transport.Conn, service string) {
	defer c.wg.Done()
	failures := 0
	for {
		err := c.watchHealthOnce(ctx, sc, tc, service, &failures)
		if ctx.Err() != nil {
			return
		}
		if wire.CodeOf(err) == wire.Unimplemented {
			c.opts.logger.Warn("grpcwire: the server has no health Watch; health checking is off for this connection", "target", c.target, "address", sc.addr.String(), "err", err)
			c.setHealth(sc, tc, healthUnchecked, "")
			return
		}
		c.setHealth(sc, tc, healthNotServing, fmt.Sprintf("failed its health check: %v", err))
		t := time.NewTimer(backoffDelay(c.opts.backoff, failures))
		failures++
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// errHealthWatchEnded is a Watch call that the server ended with OK, which
// it should not do: the client makes it again, after its backoff.
var errHealthWatchEnded = errors.New("the server ended the health Watch call")

// watchHealthOnce makes one Watch call on tc and follows its answers; it
// returns why the call ended.
func (c *Conn) watchHealthOnce(ctx context.Context, sc *subConn, tc *transport.Conn, service string, failures *int) error {
	cs, err := c.startOn(ctx, tc, &healthWatchDesc, healthWatchMethod, wrapperspb.String(service), nil)
	if err != nil {
		return err
	}
	for {
		var res wrapperspb.Int32Value
		if err := cs.RecvMsg(&res); err != nil {
			if err == io.EOF {
				return errHealthWatchEnded
			}
			return err
		}
		// "When the client receives a message from the server on a given
		// call, the backoff state is reset."
		*failures = 0
		if res.Value == servingStatusServing {
			c.setHealth(sc, tc, healthServing, "")
			continue
		}
		name, ok := servingStatusNames[res.Value]
		if !ok {
			name = fmt.Sprintf("status %d", res.Value)
		}
		c.setHealth(sc, tc, healthNotServing, fmt.Sprintf("reports %s for service %q", name, service))
	}
}

// setHealth records the health of sc's connection tc, if tc is still its
// connection, and wakes the calls waiting for a backend.
func (c *Conn) setHealth(sc *subConn, tc *transport.Conn, h healthState, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc.tc != tc || (sc.health == h && sc.healthMsg == msg) {
		return
	}
	if sc.health != h {
		c.opts.logger.Info("grpcwire: backend health", "target", c.target, "address", sc.addr.String(), "serving", h.allowsCalls(), "why", msg)
	}
	sc.health, sc.healthMsg = h, msg
	c.changedLocked()
}
