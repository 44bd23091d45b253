package client_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/health"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// backend is one of several in-process servers of the test service on
// loopback, counting the unary calls its Echo handler gets.
type backend struct {
	t      *testing.T
	name   string
	srv    *server.Server
	health *health.Server // nil when the backend serves no health service
	addr   string
	stopFn func(graceful bool)

	calls    atomic.Int64 // Echo calls received
	inFlight atomic.Int64 // Echo calls running now
	work     time.Duration

	notifyAt int64         // when set, reached closes once calls reaches it
	reached  chan struct{} // see notifyAt
}

// backendOpts shapes startBackends' servers.
type backendOpts struct {
	health bool          // register grpc.health.v1 (Watch included)
	work   time.Duration // how long each Echo call takes
	ln     func(i int) (net.Listener, error)
}

// startBackends starts n backends named b0, b1, ...; each is stopped at the
// end of the test unless the test stopped it.
func startBackends(t *testing.T, n int, o backendOpts) []*backend {
	t.Helper()
	bs := make([]*backend, n)
	for i := range bs {
		b := &backend{t: t, name: fmt.Sprintf("b%d", i), work: o.work}
		b.srv = server.New()
		b.srv.Register((&testsvc.Service{Echo: b.echo}).Desc())
		if o.health {
			b.health = health.Register(b.srv)
		}
		var ln net.Listener
		var err error
		if o.ln != nil {
			ln, err = o.ln(i)
		} else {
			ln, err = net.Listen("tcp", "127.0.0.1:0")
		}
		if err != nil {
			t.Fatalf("backend %s: %v", b.name, err)
		}
		b.addr = ln.Addr().String()
		b.stopFn = testsvc.ServeStoppable(t, b.srv, ln)
		bs[i] = b
	}
	return bs
}

// echo answers with the backend's name, after the backend's work time.
func (b *backend) echo(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if n := b.calls.Add(1); n == b.notifyAt {
		close(b.reached)
	}
	b.inFlight.Add(1)
	defer b.inFlight.Add(-1)
	if b.work > 0 {
		t := time.NewTimer(b.work)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	return wrapperspb.String(b.name), nil
}

// notifyAfter returns a channel closed once the backend has had n calls.
// Call it before the calls start.
func (b *backend) notifyAfter(n int64) <-chan struct{} {
	b.notifyAt, b.reached = n, make(chan struct{})
	return b.reached
}

// stop stops the backend, gracefully (GOAWAY, the calls in flight finish)
// or at once, and waits for Serve to return.
func (b *backend) stop(graceful bool) { b.stopFn(graceful) }

// ipv4Target is an ipv4: target listing the backends.
func ipv4Target(bs []*backend) string {
	addrs := make([]string, len(bs))
	for i, b := range bs {
		addrs[i] = b.addr
	}
	return "ipv4:" + strings.Join(addrs, ",")
}

// addresses are the backends' addresses for a ManualResolver.
func addresses(bs ...*backend) []client.Address {
	as := make([]client.Address, len(bs))
	for i, b := range bs {
		as[i] = client.Address{Addr: b.addr}
	}
	return as
}

// counts snapshots the backends' call counters.
func counts(bs []*backend) []int64 {
	cs := make([]int64, len(bs))
	for i, b := range bs {
		cs[i] = b.calls.Load()
	}
	return cs
}

// since is how many calls each backend got after the snapshot before.
func since(bs []*backend, before []int64) []int64 {
	cs := counts(bs)
	for i := range cs {
		cs[i] -= before[i]
	}
	return cs
}

// roundRobin is the service config of the round_robin tests.
const roundRobin = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// roundRobinHealth adds client-side health checking of the whole server.
const roundRobinHealth = `{"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": ""}}`

// callUntil makes sequential calls until every backend in want has had at
// least one since the call began and none outside it has had one in the
// last round of len(bs)*rounds calls, or ctx ends: round_robin connects to
// every address at once, but a backend takes calls only once its connection
// (and its first health answer) is there, so tests wait for that by calling.
func callUntil(t *testing.T, ctx context.Context, cc *client.Conn, bs []*backend, want ...*backend) {
	t.Helper()
	in := map[*backend]bool{}
	for _, b := range want {
		in[b] = true
	}
	for ctx.Err() == nil {
		before := counts(bs)
		for range 3 * len(bs) {
			if _, err := echo(ctx, cc, "warm up"); err != nil && ctx.Err() == nil {
				t.Fatalf("warm-up call: %v", err)
			}
		}
		got := since(bs, before)
		ok := true
		for i, b := range bs {
			if in[b] != (got[i] > 0) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("the calls never reached exactly %d of the backends (counts %v)", len(want), counts(bs))
}
