package client_test

import (
	"context"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// pipeServers hands the server ends of the client's in-memory connections
// to a test that plays the server, inside a testing/synctest bubble.
type pipeServers struct {
	conns chan net.Conn
}

func newPipeServers() *pipeServers { return &pipeServers{conns: make(chan net.Conn, 8)} }

// dial is the client's dialer.
func (ps *pipeServers) dial(ctx context.Context, addr string) (net.Conn, error) {
	c, s := net.Pipe()
	ps.conns <- s
	return c, nil
}

// accept plays the server on the next connection: it reads the preface,
// exchanges SETTINGS and returns the scripted server, whose timeout is long
// so that the client's timers fire first.
func (ps *pipeServers) accept(t *testing.T) *h2test.Peer {
	t.Helper()
	nc := <-ps.conns
	t.Cleanup(func() { nc.Close() })
	p := h2test.NewServer(t, nc)
	p.SetTimeout(24 * time.Hour)
	p.Handshake()
	return p
}

// connect makes cc connect and returns the scripted server it reached.
func (ps *pipeServers) connect(t *testing.T, cc *client.Conn) *h2test.Peer {
	t.Helper()
	ready := make(chan error, 1)
	go func() { ready <- cc.WaitReady(context.Background()) }()
	p := ps.accept(t)
	if err := <-ready; err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	return p
}

// TestClientKeepaliveOffByDefault: without WithKeepalive the client never
// pings, however long the connection is quiet.
func TestClientKeepaliveOffByDefault(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ps := newPipeServers()
		cc, err := client.Dial("server:443", client.WithDialer(ps.dial))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		p := ps.connect(t, cc)
		p.ExpectNoFrame(24 * time.Hour)
	})
}

// TestClientKeepalivePings (doc/keepalive.md): with WithKeepalive the client
// pings after Time without a frame from the server and closes the
// connection when a ping goes unanswered for Timeout; the calls on it fail
// with UNAVAILABLE saying so. Without PermitWithoutStream it pings only
// while a call is open.
func TestClientKeepalivePings(t *testing.T) {
	const every, timeout = time.Minute, 20 * time.Second
	t.Run("permit without stream", func(t *testing.T) {
		h2test.VerifyNoLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ps := newPipeServers()
			cc, err := client.Dial("server:443", client.WithDialer(ps.dial),
				client.WithKeepalive(client.KeepaliveParams{Time: every, Timeout: timeout, PermitWithoutStream: true}))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			p := ps.connect(t, cc)
			last := time.Now()
			for range 3 {
				data := p.ExpectPing(false)
				if waited := time.Since(last); waited != every {
					t.Errorf("PING after %v of silence, want %v", waited, every)
				}
				p.WritePing(true, data)
				last = time.Now()
			}
			p.ExpectPing(false)
			pinged := time.Now()
			p.ExpectClosed()
			if waited := time.Since(pinged); waited != timeout {
				t.Errorf("the client closed the connection %v after the unanswered PING, want %v", waited, timeout)
			}
		})
	})
	t.Run("only with calls", func(t *testing.T) {
		h2test.VerifyNoLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ps := newPipeServers()
			cc, err := client.Dial("server:443", client.WithDialer(ps.dial),
				client.WithKeepalive(client.KeepaliveParams{Time: every, Timeout: timeout}))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			p := ps.connect(t, cc)
			p.ExpectNoFrame(24 * time.Hour)

			result := make(chan error, 1)
			go func() {
				_, err := echo(context.Background(), cc, "long")
				result <- err
			}()
			expectUnary(t, p, 1)
			start := time.Now()
			p.ExpectPing(false)
			if waited := time.Since(start); waited > every {
				t.Errorf("PING %v after the call started, want within %v", waited, every)
			}
			wantStatus(t, <-result, wire.Unavailable, "keepalive")
		})
	})
}

// TestClientKeepaliveBacksOff: a server that answers the pings with GOAWAY
// ENHANCE_YOUR_CALM "too_many_pings" makes the client double its keepalive
// time for the connections it makes after (doc/keepalive.md).
func TestClientKeepaliveBacksOff(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ps := newPipeServers()
		const every = time.Minute
		cc, err := client.Dial("server:443", client.WithDialer(ps.dial),
			client.WithKeepalive(client.KeepaliveParams{Time: every, PermitWithoutStream: true}))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		for _, want := range []time.Duration{every, 2 * every, 4 * every} {
			p := ps.connect(t, cc)
			start := time.Now()
			p.ExpectPing(false)
			if waited := time.Since(start); waited != want {
				t.Errorf("PING after %v, want %v", waited, want)
			}
			p.WriteGoAway(0, http2.ErrCodeEnhanceYourCalm, []byte("too_many_pings"))
			p.Close()
			synctest.Wait() // the client has seen the connection end
		}
	})
}

// TestKeepaliveMeetsServerPolicy: grpcwire's client pinging every minute
// against grpcwire's server whose policy wants pings at least five minutes
// apart (with or without calls) is told too_many_pings, doubles its
// keepalive time on each new connection until the server accepts it, and
// calls go on working throughout.
func TestKeepaliveMeetsServerPolicy(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		var log testio.Buffer
		d := newSwitchDialer(t, false, server.KeepaliveEnforcementPolicy(server.KeepaliveEnforcement{
			MinTime: 5 * time.Minute, PermitWithoutStream: true, MaxStrikes: 2}))
		cc := testsvc.Dial(t, "server:443", client.WithDialer(d.dial), client.WithLogger(log.Logger()),
			client.WithKeepalive(client.KeepaliveParams{Time: time.Minute, PermitWithoutStream: true}))
		for range 24 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := echo(ctx, cc, "hourly", client.WaitForReady(true)); err != nil {
				t.Fatalf("call: %v", err)
			}
			cancel()
			time.Sleep(time.Hour)
		}
		// 1, 2 and 4 minutes draw too_many_pings; 8 minutes is accepted.
		if n := log.Count("doubling the keepalive time"); n != 3 {
			t.Errorf("the keepalive time was doubled %d times, want 3:\n%s", n, log.String())
		}
		if n := d.count(); n != 4 {
			t.Errorf("%d connections made, want 4 (three ended by too_many_pings)", n)
		}
	})
}
