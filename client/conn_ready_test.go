package client_test

import (
	"context"
	"math"
	"net"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// The tests here run in testing/synctest bubbles: the client dials an
// in-memory listener through a dialer that can play a server that is down,
// so backoff delays and waits are measured exactly, in fake time.

// switchDialer dials a server on an in-memory listener while it is up and
// fails with "connection refused" while it is down, recording when each
// attempt was made.
type switchDialer struct {
	ln *testsvc.PipeListener

	mu       sync.Mutex
	down     bool
	attempts []time.Time
}

// newSwitchDialer serves the test service on an in-memory listener; the
// server starts down when down is set.
func newSwitchDialer(t *testing.T, down bool, opts ...server.Option) *switchDialer {
	t.Helper()
	srv := server.New(opts...)
	srv.Register((&testsvc.Service{}).Desc())
	ln := testsvc.NewPipeListener()
	testsvc.ServeListener(t, srv, ln)
	return &switchDialer{ln: ln, down: down}
}

func (d *switchDialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.attempts = append(d.attempts, time.Now())
	down := d.down
	d.mu.Unlock()
	if down {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return d.ln.Dial(ctx, addr)
}

func (d *switchDialer) setDown(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

// gaps returns the times between successive attempts.
func (d *switchDialer) gaps() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	var gs []time.Duration
	for i := 1; i < len(d.attempts); i++ {
		gs = append(gs, d.attempts[i].Sub(d.attempts[i-1]))
	}
	return gs
}

func (d *switchDialer) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.attempts)
}

// TestWaitForReady: without wait-for-ready a call to a server that cannot
// be reached fails at once with UNAVAILABLE; WaitReady, a call with
// WaitForReady(true) and a Conn made with WithWaitForReady wait through
// failed attempts until the server is up, or until their context ends.
func TestWaitForReady(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		d := newSwitchDialer(t, true)
		cc := testsvc.Dial(t, "server:443", client.WithDialer(d.dial))
		ccWait := testsvc.Dial(t, "server:443", client.WithDialer(d.dial), client.WithWaitForReady())

		start := time.Now()
		_, err := echo(context.Background(), cc, "fail fast")
		wantStatus(t, err, wire.Unavailable, "connection refused")
		if time.Since(start) != 0 {
			t.Errorf("the fail-fast call took %v", time.Since(start))
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		wantStatus(t, cc.WaitReady(ctx), wire.DeadlineExceeded, "connection refused")
		cancel()
		if took := time.Since(start); took != 10*time.Second {
			t.Errorf("WaitReady gave up after %v, want at its deadline", took)
		}

		// Three waiters; the server comes up a minute later.
		const upAfter = time.Minute
		results := make(chan error, 3)
		go func() { results <- cc.WaitReady(context.Background()) }()
		go func() {
			_, err := echo(context.Background(), cc, "waited", client.WaitForReady(true))
			results <- err
		}()
		go func() {
			_, err := echo(context.Background(), ccWait, "waited by default")
			results <- err
		}()
		time.Sleep(upAfter)
		synctest.Wait()
		select {
		case err := <-results:
			t.Fatalf("a wait ended while the server was down: %v", err)
		default:
		}
		up := time.Now()
		d.setDown(false)
		for range 3 {
			if err := <-results; err != nil {
				t.Errorf("after the server came up: %v", err)
			}
		}
		// The waits end at the first attempt after the server is up, which
		// the backoff delays by at most its longest wait so far.
		if late := time.Since(up); late > 2*upAfter {
			t.Errorf("the waits ended %v after the server came up", late)
		}
		if _, err := echo(context.Background(), cc, "now"); err != nil {
			t.Errorf("a fail-fast call once connected: %v", err)
		}
	})
}

// TestBackoffDelays pins doc/connection-backoff.md: after the n-th failed
// attempt in a row the next waits min(INITIAL_BACKOFF * MULTIPLIER^n,
// MAX_BACKOFF), randomized by ±JITTER; without jitter exactly that.
func TestBackoffDelays(t *testing.T) {
	tests := []struct {
		name string
		b    client.Backoff
	}{
		{"default policy", client.DefaultBackoff},
		{"no jitter", client.Backoff{BaseDelay: time.Second, Multiplier: 1.6, MaxDelay: 120 * time.Second}},
		{"short", client.Backoff{BaseDelay: 10 * time.Millisecond, Multiplier: 2, Jitter: 0.5, MaxDelay: 100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				d := newSwitchDialer(t, true)
				cc := testsvc.Dial(t, "server:443", client.WithDialer(d.dial), client.WithBackoff(tt.b))
				const attempts = 16
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- cc.WaitReady(ctx) }()
				for d.count() < attempts {
					time.Sleep(time.Second)
				}
				cancel()
				<-done
				gaps := d.gaps()[:attempts-1]
				jittered := false
				for n, gap := range gaps {
					nominal := min(float64(tt.b.BaseDelay)*math.Pow(tt.b.Multiplier, float64(n)), float64(tt.b.MaxDelay))
					lo, hi := nominal*(1-tt.b.Jitter), nominal*(1+tt.b.Jitter)
					// (A millisecond of slack for the float arithmetic.)
					if g := float64(gap); g < lo-float64(time.Millisecond) || g > hi+float64(time.Millisecond) {
						t.Errorf("wait %d after %d failures: %v, want %v ± %v%%", n+1, n+1, gap, time.Duration(nominal), tt.b.Jitter*100)
					}
					if math.Abs(float64(gap)-nominal) > float64(time.Millisecond) {
						jittered = true
					}
				}
				if tt.b.Jitter > 0 && !jittered {
					t.Errorf("no wait differs from its nominal value: no jitter in %v", gaps)
				}
				if tt.b.Jitter == 0 && jittered {
					t.Errorf("waits %v differ from their nominal values without jitter", gaps)
				}
			})
		})
	}
}

// TestReconnectAfterConnectionLoss: once the connection is lost, the next
// call connects again at once (the backoff starts over after a success);
// while the server stays down the attempts back off; once it is back a
// wait-for-ready call gets through.
func TestReconnectAfterConnectionLoss(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		srv := server.New()
		srv.Register((&testsvc.Service{}).Desc())
		ln := testsvc.NewPipeListener()
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		d := &switchDialer{ln: ln}
		b := client.Backoff{BaseDelay: time.Second, Multiplier: 2, MaxDelay: time.Minute}
		cc := testsvc.Dial(t, "server:443", client.WithDialer(d.dial), client.WithBackoff(b))
		if _, err := echo(context.Background(), cc, "first"); err != nil {
			t.Fatal(err)
		}

		// The server goes away.
		d.setDown(true)
		srv.Stop()
		<-served
		synctest.Wait() // the client has seen the connection end
		before := d.count()
		lost := time.Now()
		_, err := echo(context.Background(), cc, "while down")
		wantStatus(t, err, wire.Unavailable, "connection refused")
		d.mu.Lock()
		if len(d.attempts) != before+1 || d.attempts[before] != lost {
			t.Errorf("after the loss the first attempt was not made at once: attempts %v, lost at %v", d.attempts[before:], lost)
		}
		d.mu.Unlock()

		// A new server on the "same port"; the waiting call gets through at
		// the next attempt.
		srv2 := server.New()
		srv2.Register((&testsvc.Service{}).Desc())
		ln2 := testsvc.NewPipeListener()
		testsvc.ServeListener(t, srv2, ln2)
		d.mu.Lock()
		d.ln = ln2
		d.mu.Unlock()
		result := make(chan error, 1)
		go func() {
			_, err := echo(context.Background(), cc, "after", client.WaitForReady(true))
			result <- err
		}()
		time.Sleep(10 * time.Second)
		d.setDown(false)
		if err := <-result; err != nil {
			t.Fatalf("wait-for-ready call after the restart: %v", err)
		}
		gaps := d.gaps()[before:]
		want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
		if len(gaps) != len(want) {
			t.Fatalf("waits between attempts %v, want %v", gaps, want)
		}
		for i := range want {
			if gaps[i] != want[i] {
				t.Errorf("waits between attempts %v, want %v", gaps, want)
				break
			}
		}
	})
}
