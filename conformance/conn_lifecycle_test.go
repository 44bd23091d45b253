package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"grpcwire/client"
	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/conformance/echoserver"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestGracefulStopGRPCGoClients: grpcwire's server stops gracefully while
// several grpc-go clients, each on its own connection, have calls of every
// kind in their handlers. Every call finishes with OK and all its
// responses; each connection gets the two GOAWAYs (2^31-1, then its real
// last stream id); GracefulStop returns once the calls have ended; and a
// call made afterwards fails with UNAVAILABLE.
func TestGracefulStopGRPCGoClients(t *testing.T) {
	checkNoLeaks(t)
	const clients = 3
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tap := &wireTap{}
	rec := &echoserver.Recorder{}
	s := server.New()
	echopb.RegisterEchoServer(s, &echoserver.Wire{Rec: rec})
	served := make(chan error, 1)
	go func() { served <- s.Serve(&tapListener{Listener: ln, tap: tap}) }()
	t.Cleanup(func() {
		s.Stop()
		if err := <-served; !errors.Is(err, server.ErrServerStopped) {
			t.Errorf("Serve: %v", err)
		}
	})
	ctx := callContext(t)
	var callers []caller
	for range clients {
		cc, err := grpc.NewClient("passthrough:///"+ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		callers = append(callers, &grpcGoCaller{cc: cc, c: echogrpc.NewEchoClient(cc)})
	}
	type result struct {
		name string
		k    callKind
		req  *echopb.EchoRequest
		out  outcome
	}
	results := make(chan result, clients*len(callKinds))
	for i, c := range callers {
		for _, k := range callKinds {
			tag := fmt.Sprintf("client%d-%v", i, k)
			req := &echopb.EchoRequest{Tag: tag, SleepMs: 300, ResponseCount: 3, Payload: []byte(tag)}
			go func() { results <- result{tag, k, req, call(ctx, c, k, callOpts{}, req)} }()
		}
	}
	for i := range callers {
		for _, k := range callKinds {
			if err := rec.WaitStarted(ctx, fmt.Sprintf("client%d-%v", i, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	stopCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() { s.GracefulStop(stopCtx); close(stopped) }()
	for range clients * len(callKinds) {
		r := <-results
		if r.out.code != 0 || len(r.out.responses) != expectedResponses(r.k, r.req) {
			t.Errorf("call %s in flight during the stop: %v", r.name, r.out)
		}
	}
	select {
	case <-stopped:
	case <-time.After(clientBound):
		t.Fatalf("GracefulStop had not returned %v after the last call ended", clientBound)
	}
	if stopCtx.Err() != nil {
		t.Error("GracefulStop returned at its context's end, not when the calls ended")
	}
	goaways := tap.responses().goaways
	var first, second int
	for _, g := range goaways {
		if g.ErrCode != http2.ErrCodeNo {
			t.Errorf("GOAWAY with %v, want NO_ERROR", g.ErrCode)
		}
		if g.LastStreamID == 1<<31-1 {
			first++
		} else {
			second++
		}
	}
	if first != clients || second != clients {
		t.Errorf("%d GOAWAYs with 2^31-1 and %d with a real last stream id; want %d of each, one pair per connection", first, second, clients)
	}
	for i, c := range callers {
		if out := c.unary(ctx, callOpts{}, &echopb.EchoRequest{}); out.code != uint32(wire.Unavailable) {
			t.Errorf("client %d after the stop: %v, want UNAVAILABLE", i, out)
		}
	}
}

// grpcGoServer serves Echo with grpc-go on ln until the returned function
// stops it (gracefully or not).
func grpcGoServer(t *testing.T, ln net.Listener) (stop func(graceful bool)) {
	t.Helper()
	s := grpc.NewServer()
	echogrpc.RegisterEchoServer(s, &echoserver.GRPCGo{})
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	done := false
	stop = func(graceful bool) {
		if done {
			return
		}
		done = true
		if graceful {
			s.GracefulStop()
		} else {
			s.Stop()
		}
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("grpc-go Serve: %v", err)
		}
	}
	t.Cleanup(func() { stop(false) })
	return stop
}

// listenAgain listens on addr again, retrying briefly: the port of a server
// that just stopped is normally free at once.
func listenAgain(t *testing.T, addr string) net.Listener {
	t.Helper()
	deadline := time.Now().Add(clientBound)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln
		}
		if time.Now().After(deadline) {
			t.Skipf("cannot listen on %s again: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReconnectToRestartedGRPCGoServer: grpcwire's client against a grpc-go
// server that stops and starts again on the same port. While it is down,
// fail-fast calls fail with UNAVAILABLE saying the connection was refused;
// once it is back, a wait-for-ready call reconnects. A graceful stop lets
// the call in flight finish first, and the next server is reached too.
func TestReconnectToRestartedGRPCGoServer(t *testing.T) {
	checkNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	stop := grpcGoServer(t, ln)
	cc, err := client.Dial(addr, client.WithBackoff(client.Backoff{
		BaseDelay: 20 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 200 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	c := &wireCaller{cc: cc, c: echopb.NewEchoClient(cc)}
	ctx := callContext(t)
	if out := c.unary(ctx, callOpts{}, &echopb.EchoRequest{}); out.code != 0 {
		t.Fatalf("first call: %v", out)
	}

	// Down: an abrupt stop.
	stop(false)
	for deadline := time.Now().Add(clientBound); ; {
		out := c.unary(ctx, callOpts{}, &echopb.EchoRequest{})
		if out.code == uint32(wire.Unavailable) && containsAll(out.message, "connection refused") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("while the server is down: %v, want UNAVAILABLE naming the refused connection", out)
		}
	}

	// Up again on the same port.
	stop = grpcGoServer(t, listenAgain(t, addr))
	if err := c.waitReady(ctx); err != nil {
		t.Fatalf("reconnecting to the restarted server: %v", err)
	}
	if out := c.unary(ctx, callOpts{}, &echopb.EchoRequest{}); out.code != 0 || out.responses[0].GetServer() != echoserver.NameGRPCGo {
		t.Fatalf("call to the restarted server: %v", out)
	}

	// A graceful stop with a call in flight, then a third server.
	inFlight := make(chan outcome, 1)
	go func() {
		inFlight <- c.serverStream(ctx, callOpts{}, &echopb.EchoRequest{SleepMs: 200, ResponseCount: 2})
	}()
	time.Sleep(50 * time.Millisecond)
	stop(true)
	if out := <-inFlight; out.code != 0 || len(out.responses) != 2 {
		t.Errorf("the call in flight during grpc-go's graceful stop: %v", out)
	}
	grpcGoServer(t, listenAgain(t, addr))
	if err := c.waitReady(ctx); err != nil {
		t.Fatalf("reconnecting to the third server: %v", err)
	}
	if out := c.unary(ctx, callOpts{}, &echopb.EchoRequest{}); out.code != 0 {
		t.Fatalf("call to the third server: %v", out)
	}
}

// waitReady waits for the Conn's connection, with a bound.
func (w *wireCaller) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, clientBound)
	defer cancel()
	return w.cc.WaitReady(ctx)
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
