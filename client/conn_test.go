package client_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestUnavailableWithoutServer: with no server listening a call fails fast
// with UNAVAILABLE saying why; with WaitForReady it waits and fails at its
// deadline instead.
func TestUnavailableWithoutServer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := testsvc.Dial(t, testsvc.ClosedAddr(t))
	start := time.Now()
	_, err := echo(context.Background(), cc, "x")
	wantStatus(t, err, wire.Unavailable, "connection refused")
	if d := time.Since(start); d > time.Second {
		t.Errorf("a fail-fast call took %v", d)
	}
	// A second call inside the backoff fails at once, too.
	_, err = echo(context.Background(), cc, "x")
	wantStatus(t, err, wire.Unavailable)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = echo(ctx, cc, "x", client.WaitForReady(true))
	wantStatus(t, err, wire.DeadlineExceeded)
}

// TestDialRejectsBadTarget: Dial checks only the target's form.
func TestDialRejectsBadTarget(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	for _, target := range []string{"", "localhost", "http://localhost:80/x"} {
		if cc, err := client.Dial(target); err == nil {
			cc.Close()
			t.Errorf("Dial(%q) succeeded; want an error naming host:port", target)
		}
	}
}

// TestReconnectAfterServerRestart: once the connection is lost, a later
// call connects again (after the backoff, made short here).
func TestReconnectAfterServerRestart(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	first := server.New()
	first.Register((&testsvc.Service{}).Desc())
	done := make(chan error, 1)
	go func() { done <- first.Serve(ln) }()
	cc := testsvc.Dial(t, addr, client.WithBackoff(client.Backoff{
		BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 50 * time.Millisecond}))
	if _, err := echo(context.Background(), cc, "one"); err != nil {
		t.Fatal(err)
	}
	first.Stop()
	<-done

	// Wait until the client has let the old connection go and tried to
	// connect again. (Each probe has a short deadline: a call that starts
	// just as the old connection closes can be lost with it and wait for
	// its deadline; see the report on transport streams queued at
	// shutdown.)
	for deadline := time.Now().Add(testsvc.Timeout); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := echo(ctx, cc, "probe")
		cancel()
		if err != nil && strings.Contains(err.Error(), "connection refused") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client did not try to reconnect: last error %v", err)
		}
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	second := server.New()
	second.Register((&testsvc.Service{}).Desc())
	testsvc.ServeListener(t, second, ln)
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	if got, err := echo(ctx, cc, "two", client.WaitForReady(true)); err != nil || got != "two" {
		t.Fatalf("call after the restart: %q, %v", got, err)
	}
}
