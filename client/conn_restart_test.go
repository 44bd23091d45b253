package client_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// fastBackoff keeps loopback reconnection tests short.
var fastBackoff = client.WithBackoff(client.Backoff{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 50 * time.Millisecond})

// serveOn serves the test service (svc's handlers, or the defaults) on ln
// and returns a function that stops it, gracefully or not, and waits for
// Serve to return; the test's cleanup stops it too.
func serveOn(t *testing.T, ln net.Listener, svc *testsvc.Service) (stop func(graceful bool)) {
	t.Helper()
	if svc == nil {
		svc = &testsvc.Service{}
	}
	srv := server.New()
	srv.Register(svc.Desc())
	return testsvc.ServeStoppable(t, srv, ln)
}

// listenOn listens on addr, retrying briefly while the port is still held.
func listenOn(t *testing.T, addr string) net.Listener {
	t.Helper()
	for deadline := time.Now().Add(testsvc.Timeout); ; time.Sleep(5 * time.Millisecond) {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln
		}
		if time.Now().After(deadline) {
			t.Skipf("cannot listen on %s again: %v", addr, err)
		}
	}
}

// TestWaitReadyLoopback: over real loopback sockets, WaitReady returns at
// once when a server is there, and a wait-for-ready call made before the
// server starts listening gets through once it does.
func TestWaitReadyLoopback(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, addr := testsvc.Start(t, nil)
	cc := testsvc.Dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	if err := cc.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady with a server: %v", err)
	}

	addr = testsvc.ClosedAddr(t)
	refused := make(chan struct{}) // closed at the first failed attempt
	var once sync.Once
	cc = testsvc.Dial(t, addr, fastBackoff, client.WithDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			once.Do(func() { close(refused) })
		}
		return nc, err
	}))
	result := testsvc.Go(t, func() error {
		_, err := echo(ctx, cc, "early", client.WaitForReady(true))
		return err
	})
	select { // the call has found no server, and waits for one
	case <-refused:
	case <-ctx.Done():
		t.Fatal("the wait-for-ready call never tried to connect")
	}
	serveOn(t, listenOn(t, addr), nil)
	if err := result(); err != nil {
		t.Fatalf("wait-for-ready call made before the server listened: %v", err)
	}
}

// TestReconnectAfterRestartSamePort: the server stops and a new one listens
// on the same port. While none is there, calls fail fast with UNAVAILABLE
// saying the connection was refused; then a wait-for-ready call reconnects.
// With a graceful stop, the call in flight finishes on the old connection
// and the next call reaches the new server.
func TestReconnectAfterRestartSamePort(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	svc := &testsvc.Service{Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		if in.Value == "slow" {
			started <- struct{}{}
			<-release
		}
		return in, nil
	}}
	stop := serveOn(t, ln, svc)
	cc := testsvc.Dial(t, addr, fastBackoff)
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	if _, err := echo(ctx, cc, "one"); err != nil {
		t.Fatal(err)
	}

	stop(false)
	for {
		_, err := echo(ctx, cc, "down")
		if st := wire.StatusOf(err); st.Code == wire.Unavailable && strings.Contains(st.Message, "connection refused") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("while the server is down: %v; want UNAVAILABLE naming the refused connection", err)
		}
	}

	stop = serveOn(t, listenOn(t, addr), svc)
	if got, err := echo(ctx, cc, "two", client.WaitForReady(true)); err != nil || got != "two" {
		t.Fatalf("after the restart: %q, %v", got, err)
	}

	slow := testsvc.Go(t, func() error {
		_, err := echo(ctx, cc, "slow")
		return err
	})
	<-started
	stopped := testsvc.Go(t, func() bool { stop(true); return true })
	// The stop has begun once the listener refuses connections.
	for {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		nc.Close()
		if ctx.Err() != nil {
			t.Fatal("the graceful stop did not close the listener")
		}
	}
	close(release)
	if err := slow(); err != nil {
		t.Errorf("the call in flight during the graceful stop: %v", err)
	}
	stopped()
	serveOn(t, listenOn(t, addr), svc)
	if got, err := echo(ctx, cc, "three", client.WaitForReady(true)); err != nil || got != "three" {
		t.Fatalf("after the graceful restart: %q, %v", got, err)
	}
}
