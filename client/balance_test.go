package client_test

import (
	"context"
	"slices"
	"sync"
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

// TestRoundRobinSpreads: with the service config's round_robin, a Conn to
// three backends (an ipv4: target listing them) has a connection to each,
// and 300 calls go 100, 100 and 100 to them.
func TestRoundRobinSpreads(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 3, backendOpts{})
	cc := testsvc.Dial(t, ipv4Target(bs), client.WithServiceConfig(roundRobin))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)
	before := counts(bs)
	for range 300 {
		if _, err := echo(ctx, cc, "spread"); err != nil {
			t.Fatal(err)
		}
	}
	got := since(bs, before)
	t.Logf("round_robin: 300 calls over 3 backends: %v", got)
	if !slices.Equal(got, []int64{100, 100, 100}) {
		t.Errorf("300 calls spread %v over the three backends, want 100 each", got)
	}
}

// TestPickFirstIsTheDefault: without a service config, every call goes to
// the first address, and only it gets a connection.
func TestPickFirstIsTheDefault(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 3, backendOpts{})
	var conns atomic.Int32
	cc := testsvc.Dial(t, ipv4Target(bs), client.WithFrameObserver(func(client.ConnInfo) observe.Observer {
		conns.Add(1)
		return nil
	}))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	for range 30 {
		if got, err := echo(ctx, cc, "first"); err != nil || got != "b0" {
			t.Fatalf("call: %q, %v; want b0's answer", got, err)
		}
	}
	if got := counts(bs); !slices.Equal(got, []int64{30, 0, 0}) {
		t.Errorf("pick_first spread 30 calls %v, want all on the first", got)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("pick_first made %d connections, want 1", n)
	}
}

// TestPickFirstMovesOn: pick_first tries the addresses in order: the first
// refuses the connection, so the calls go to the second, and not one fails.
// When the second stops (gracefully, so that the client knows before it
// sends anything more), the next call starts again from the top and lands
// on the third.
func TestPickFirstMovesOn(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 2, backendOpts{})
	target := "ipv4:" + testsvc.ClosedAddr(t) + "," + bs[0].addr + "," + bs[1].addr
	cc := testsvc.Dial(t, target, fastBackoff, client.WithServiceConfig(`{"loadBalancingConfig": [{"pick_first": {}}]}`))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	for range 20 {
		if got, err := echo(ctx, cc, "x"); err != nil || got != "b0" {
			t.Fatalf("call: %q, %v; want the second address (b0) to answer", got, err)
		}
	}
	bs[0].stop(true)
	for range 20 {
		if got, err := echo(ctx, cc, "x"); err != nil || got != "b1" {
			t.Fatalf("call after the second address stopped: %q, %v; want the third (b1)", got, err)
		}
	}
	if got := counts(bs); !slices.Equal(got, []int64{20, 20}) {
		t.Errorf("calls %v, want 20 and 20", got)
	}
}

// streamCounter is a frame observer that tracks, per connection, the Echo
// calls whose request headers were written and whose end (trailers,
// END_STREAM or RST_STREAM) was not yet seen: the calls in flight there.
type streamCounter struct {
	mu   sync.Mutex
	open map[client.Address]map[*connStreams]struct{}
}

type connStreams struct {
	sc   *streamCounter
	addr client.Address
	ids  map[uint32]bool // Echo streams open on this connection
}

func (sc *streamCounter) observer(ci client.ConnInfo) observe.Observer {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.open == nil {
		sc.open = map[client.Address]map[*connStreams]struct{}{}
	}
	cs := &connStreams{sc: sc, addr: ci.Address, ids: map[uint32]bool{}}
	if sc.open[ci.Address] == nil {
		sc.open[ci.Address] = map[*connStreams]struct{}{}
	}
	sc.open[ci.Address][cs] = struct{}{}
	return cs
}

func (cs *connStreams) ObserveFrame(ev *observe.FrameEvent) {
	cs.sc.mu.Lock()
	defer cs.sc.mu.Unlock()
	id := ev.Header.StreamID
	switch {
	case ev.Sent && ev.Header.Type == http2.FrameHeaders:
		for _, f := range ev.Fields {
			if f.Name == ":path" && f.Value == testsvc.EchoPath {
				cs.ids[id] = true
			}
		}
	case ev.Header.Type == http2.FrameRSTStream:
		delete(cs.ids, id)
	case !ev.Sent && ev.Header.Flags.Has(http2.FlagHeadersEndStream) && (ev.Header.Type == http2.FrameHeaders || ev.Header.Type == http2.FrameData):
		delete(cs.ids, id)
	}
}

// inFlight is how many Echo calls were left open on the connections to
// addr.
func (sc *streamCounter) inFlight(addr client.Address) int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	n := 0
	for cs := range sc.open[addr] {
		n += len(cs.ids)
	}
	return n
}

// loadResult is what a load of concurrent callers saw.
type loadResult struct {
	calls, failed int
	codes         map[wire.Code]int
	errs          map[string]int // the failures' messages, for the log
}

// runLoad has callers goroutines make total Echo calls between them as fast
// as they can, and returns what they saw.
func runLoad(ctx context.Context, cc *client.Conn, callers, total int) loadResult {
	var mu sync.Mutex
	res := loadResult{codes: map[wire.Code]int{}, errs: map[string]int{}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for next.Add(1) <= int64(total) && ctx.Err() == nil {
				_, err := echo(ctx, cc, "load")
				mu.Lock()
				res.calls++
				if err != nil {
					res.failed++
					res.codes[wire.CodeOf(err)]++
					res.errs[err.Error()]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return res
}

// Load parameters of the stop tests: 50 callers, each call taking a few
// milliseconds on its backend, so that about a third of the 50 are in
// flight on each backend at any time.
const (
	loadCallers = 50
	loadCalls   = 3000
	loadWork    = 10 * time.Millisecond
	stopAfter   = 300 // calls the stopped backend has had when it stops
)

// TestAbruptStopCostsOnlyInFlight: under 50 concurrent callers over
// round_robin, one of three backends stops at once (connections closed, no
// GOAWAY). The calls in flight on it fail with UNAVAILABLE (PROTOCOL-HTTP2:
// "If a detectable connection failure occurs on the client all calls will
// be closed with an UNAVAILABLE status"); the calls not yet sent to it go
// elsewhere (transparent retry) and every later call goes to the other two:
// the failures are exactly the calls in flight on it, as the client's own
// frames count them.
func TestAbruptStopCostsOnlyInFlight(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 3, backendOpts{work: loadWork})
	victim := bs[1]
	reached := victim.notifyAfter(stopAfter)
	var sc streamCounter
	cc := testsvc.Dial(t, ipv4Target(bs), fastBackoff, client.WithServiceConfig(roundRobin), client.WithFrameObserver(sc.observer))
	ctx, cancel := context.WithTimeout(context.Background(), 4*testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)
	var handlersAtStop int64
	stopped := testsvc.Go(t, func() bool {
		select {
		case <-reached:
		case <-ctx.Done():
			return false
		}
		handlersAtStop = victim.inFlight.Load()
		victim.stop(false)
		return true
	})
	before := counts(bs)
	res := runLoad(ctx, cc, loadCallers, loadCalls)
	if !stopped() {
		t.Fatal("the victim never reached its call count")
	}
	lost := sc.inFlight(client.Address{Addr: victim.addr, Network: "tcp"})
	got := since(bs, before)
	t.Logf("abrupt stop of 1 of 3 backends under %d callers: %d calls (per backend %v), %d in flight on it when it stopped (%d handlers running there), %d failed %v",
		loadCallers, res.calls, got, lost, handlersAtStop, res.failed, res.codes)
	if res.calls != loadCalls {
		t.Errorf("%d calls made, want %d", res.calls, loadCalls)
	}
	if lost == 0 {
		t.Errorf("no call was in flight on the stopped backend: the test proves nothing")
	}
	if res.failed != lost {
		t.Errorf("%d calls failed, want exactly the %d in flight on the stopped backend; the failures: %v", res.failed, lost, res.errs)
	}
	if res.codes[wire.Unavailable] != res.failed {
		t.Errorf("failures by code %v, want all UNAVAILABLE", res.codes)
	}
}

// TestGracefulStopCostsNothing: the same load, but the backend stops
// gracefully: GOAWAY tells the client to send it nothing more, the calls in
// flight on it finish, and not one call fails. With client-side health
// checking on, its health service also reports NOT_SERVING first.
func TestGracefulStopCostsNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
	}{
		{"GOAWAY", roundRobin},
		{"health and GOAWAY", roundRobinHealth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			bs := startBackends(t, 3, backendOpts{work: loadWork, health: true})
			victim := bs[1]
			reached := victim.notifyAfter(stopAfter)
			cc := testsvc.Dial(t, ipv4Target(bs), fastBackoff, client.WithServiceConfig(tc.config))
			ctx, cancel := context.WithTimeout(context.Background(), 4*testsvc.Timeout)
			defer cancel()
			callUntil(t, ctx, cc, bs, bs...)
			var inFlightAtStop, callsAtStop int64
			stopped := testsvc.Go(t, func() bool {
				select {
				case <-reached:
				case <-ctx.Done():
					return false
				}
				inFlightAtStop, callsAtStop = victim.inFlight.Load(), victim.calls.Load()
				victim.stop(true)
				return true
			})
			before := counts(bs)
			res := runLoad(ctx, cc, loadCallers, loadCalls)
			if !stopped() {
				t.Fatal("the victim never reached its call count")
			}
			got := since(bs, before)
			t.Logf("graceful stop of 1 of 3 backends under %d callers: %d calls (per backend %v), %d in flight on it when its stop began, %d more reached it before GOAWAY took effect, %d failed %v",
				loadCallers, res.calls, got, inFlightAtStop, victim.calls.Load()-callsAtStop, res.failed, res.codes)
			if res.calls != loadCalls || res.failed != 0 {
				t.Errorf("%d calls, %d failed (%v); want %d calls and none failed", res.calls, res.failed, res.codes, loadCalls)
			}
			if inFlightAtStop == 0 {
				t.Errorf("no call was in flight on the stopped backend: the test proves nothing")
			}
		})
	}
}
