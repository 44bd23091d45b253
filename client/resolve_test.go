package client_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/observe"
	"grpcwire/wire"
)

// goAwayCounter counts the GOAWAY frames the client writes, by debug data.
type goAwayCounter struct {
	removed atomic.Int32
}

func (g *goAwayCounter) observer(client.ConnInfo) observe.Observer { return g }

func (g *goAwayCounter) ObserveFrame(ev *observe.FrameEvent) {
	if ev.Sent && ev.Header.Type == http2.FrameGoAway && string(ev.DebugData) == "address removed" {
		g.removed.Add(1)
	}
}

// TestResolverMovesBackends: a resolver the test controls (a
// ManualResolver plugged in with WithResolvers) adds and removes backends
// while calls run: new addresses join the rotation, a removed one gets no
// more calls and its connection is closed with GOAWAY, and an empty list
// fails calls with UNAVAILABLE naming the target.
func TestResolverMovesBackends(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 3, backendOpts{})
	r := client.NewManualResolver("registry", addresses(bs[0])...)
	var g goAwayCounter
	cc := testsvc.Dial(t, "registry:///users", client.WithResolvers(r), client.WithServiceConfig(roundRobin), client.WithFrameObserver(g.observer))
	ctx, cancel := context.WithTimeout(context.Background(), 2*testsvc.Timeout)
	defer cancel()
	for range 10 {
		if got, err := echo(ctx, cc, "x"); err != nil || got != "b0" {
			t.Fatalf("with one address: %q, %v", got, err)
		}
	}

	r.Update(addresses(bs...)...)
	callUntil(t, ctx, cc, bs, bs...)
	before := counts(bs)
	for range 300 {
		if _, err := echo(ctx, cc, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if got := since(bs, before); !slices.Equal(got, []int64{100, 100, 100}) {
		t.Errorf("after the update to three addresses, 300 calls spread %v; want 100 each", got)
	}

	r.Update(addresses(bs[1], bs[2])...)
	before = counts(bs)
	for range 300 {
		if _, err := echo(ctx, cc, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if got := since(bs, before); !slices.Equal(got, []int64{0, 150, 150}) {
		t.Errorf("after b0 was removed, 300 calls spread %v; want 0, 150, 150", got)
	}
	if n := g.removed.Load(); n != 1 {
		t.Errorf("the client sent %d GOAWAY \"address removed\", want 1 (to b0)", n)
	}

	r.Update()
	_, err := echo(ctx, cc, "x")
	wantStatus(t, err, wire.Unavailable, `"registry:///users"`, "zero addresses")
}

// TestResolverErrorFailsCalls: while the target does not resolve, a call
// fails fast with UNAVAILABLE naming the target and the resolver's error; a
// wait-for-ready call waits, and gets through once addresses arrive.
func TestResolverErrorFailsCalls(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 1, backendOpts{})
	r := client.NewManualResolver("registry")
	r.ReportError(errors.New("the registry is down"))
	cc := testsvc.Dial(t, "registry:///users", client.WithResolvers(r))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	_, err := echo(ctx, cc, "x")
	wantStatus(t, err, wire.Unavailable, `cannot resolve "registry:///users"`, "the registry is down")

	waiting := testsvc.Go(t, func() error {
		_, err := echo(ctx, cc, "x", client.WaitForReady(true))
		return err
	})
	r.Update(addresses(bs[0])...)
	if err := waiting(); err != nil {
		t.Fatalf("wait-for-ready call once the target resolved: %v", err)
	}

	// WaitReady's deadline names the resolver's failure.
	r2 := client.NewManualResolver("registry")
	r2.ReportError(errors.New("no such service"))
	cc2 := testsvc.Dial(t, "registry:///other", client.WithResolvers(r2))
	wctx, wcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer wcancel()
	wantStatus(t, cc2.WaitReady(wctx), wire.DeadlineExceeded, "no such service")
}

// TestResolveNowOnConnectionLoss: a lost connection makes the Conn ask its
// resolver to resolve again (the address may have moved), as grpc's
// pick_first and round_robin do.
func TestResolveNowOnConnectionLoss(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 2, backendOpts{})
	r := client.NewManualResolver("registry", addresses(bs[0])...)
	cc := testsvc.Dial(t, "registry:///users", client.WithResolvers(r), fastBackoff)
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	if _, err := echo(ctx, cc, "x"); err != nil {
		t.Fatal(err)
	}
	if n := r.ResolveNowCalls(); n != 0 {
		t.Errorf("%d ResolveNow calls before anything failed", n)
	}
	bs[0].stop(true)
	// The backend "moved": the resolver now says b1, once asked.
	for r.ResolveNowCalls() == 0 {
		if ctx.Err() != nil {
			t.Fatal("the Conn never asked the resolver to resolve again")
		}
		echo(ctx, cc, "x")
	}
	r.Update(addresses(bs[1])...)
	if got, err := echo(ctx, cc, "x", client.WaitForReady(true)); err != nil || got != "b1" {
		t.Fatalf("after the move: %q, %v", got, err)
	}
}
