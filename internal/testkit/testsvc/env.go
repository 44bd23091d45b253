package testsvc

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/server"
)

// Timeout bounds every wait these helpers make (an accept, a call a test
// runs in the background). It is far above a loopback round trip on a
// loaded machine and far below the test binary's timeout, so a hang fails
// one test with a message instead of killing the run.
const Timeout = 5 * time.Second

// Serve serves srv on a new loopback listener and returns its address. At
// the end of the test the server is stopped and Serve's return is checked:
// anything but server.ErrServerStopped fails the test.
func Serve(t testing.TB, srv *server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsvc: listening on 127.0.0.1: %v", err)
	}
	return ServeListener(t, srv, ln)
}

// ServeListener serves srv on ln, as Serve does on a loopback listener.
func ServeListener(t testing.TB, srv *server.Server, ln net.Listener) string {
	t.Helper()
	ServeStoppable(t, srv, ln)
	return ln.Addr().String()
}

// ServeStoppable serves srv on ln and returns a function that stops it,
// gracefully (GOAWAY; the calls in flight get up to Timeout to finish) or
// at once, waits for Serve to return and fails the test unless it returned
// server.ErrServerStopped. Only the first call of stop does anything; the
// test's cleanup stops srv at once if the test did not. It is for tests
// that stop a server in the middle: reconnection, backends going away.
func ServeStoppable(t testing.TB, srv *server.Server, ln net.Listener) (stop func(graceful bool)) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	var once sync.Once
	stop = func(graceful bool) {
		once.Do(func() {
			if graceful {
				ctx, cancel := context.WithTimeout(context.Background(), Timeout)
				defer cancel()
				srv.GracefulStop(ctx)
			} else {
				srv.Stop()
			}
			if err := <-done; !errors.Is(err, server.ErrServerStopped) {
				t.Errorf("testsvc: Serve on %s returned %v; want server.ErrServerStopped", ln.Addr(), err)
			}
		})
	}
	t.Cleanup(func() { stop(false) })
	return stop
}

// Start makes a server with opts, registers svc on it (the default handlers
// for a nil svc) and serves it on loopback; see Serve.
func Start(t testing.TB, svc *Service, opts ...server.Option) (*server.Server, string) {
	t.Helper()
	if svc == nil {
		svc = &Service{}
	}
	srv := server.New(opts...)
	srv.Register(svc.Desc())
	return srv, Serve(t, srv)
}

// Dial returns a client Conn to addr, closed at the end of the test.
func Dial(t testing.TB, addr string, opts ...client.Option) *client.Conn {
	t.Helper()
	cc, err := client.Dial(addr, opts...)
	if err != nil {
		t.Fatalf("testsvc: client.Dial(%q): %v", addr, err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// RawClient connects to the server at addr and returns a scripted HTTP/2
// client on the connection: its preface and SETTINGS are written, the
// handshake is left to the test. The connection is closed at the end of the
// test.
func RawClient(t testing.TB, addr string, settings ...http2.Setting) *h2test.Peer {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		t.Fatalf("testsvc: dialing %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return h2test.NewClient(t, nc, settings...)
}

// RawServer is a loopback listener whose connections a test serves by hand
// with a scripted HTTP/2 server, to see the frames a real client sends.
type RawServer struct {
	t  testing.TB
	ln *net.TCPListener
	// Addr is the address to dial.
	Addr string
}

// ListenRaw starts a RawServer, closed at the end of the test.
func ListenRaw(t testing.TB) *RawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsvc: listening on 127.0.0.1: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return &RawServer{t: t, ln: ln.(*net.TCPListener), Addr: ln.Addr().String()}
}

// Accept waits (up to Timeout) for the next connection, reads the client's
// preface, writes SETTINGS with settings and completes the handshake, and
// returns the scripted server. The connection is closed at the end of the
// test.
func (r *RawServer) Accept(settings ...http2.Setting) *h2test.Peer {
	r.t.Helper()
	r.ln.SetDeadline(time.Now().Add(Timeout))
	nc, err := r.ln.Accept()
	if err != nil {
		r.t.Fatalf("testsvc: no client connected to %s: %v", r.Addr, err)
	}
	r.t.Cleanup(func() { nc.Close() })
	p := h2test.NewServer(r.t, nc, settings...)
	p.Handshake()
	return p
}

// Go runs f on a new goroutine and returns a function that waits (up to
// Timeout) for its result. Tests run the call under test with it while they
// script the other side on the test's goroutine, which is the only one that
// may fail the test.
func Go[T any](t testing.TB, f func() T) (wait func() T) {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	return func() T {
		t.Helper()
		select {
		case v := <-ch:
			return v
		case <-time.After(Timeout):
			t.Fatalf("testsvc: the call did not return within %v", Timeout)
			panic("unreachable")
		}
	}
}

// Marshal returns m's wire bytes, failing the test if it cannot.
func Marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("testsvc: marshalling %T: %v", m, err)
	}
	return b
}

// Unmarshal parses b into m, failing the test if it cannot.
func Unmarshal(t testing.TB, b []byte, m proto.Message) {
	t.Helper()
	if err := proto.Unmarshal(b, m); err != nil {
		t.Fatalf("testsvc: parsing %d bytes as %T: %v", len(b), m, err)
	}
}

// ClosedAddr returns a loopback address that nothing listens on (a port
// that was just listened on and closed), for tests of connections that are
// refused.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsvc: listening on 127.0.0.1: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// StopTimeout bounds how long Background's stop waits for the run to
// return: above the 10 s grace period the programs give calls in flight
// when they are interrupted, so that a graceful stop that uses all of it
// still ends in time.
const StopTimeout = 20 * time.Second

// Background runs f on a new goroutine with a context that stop cancels,
// as Ctrl-C stops a program's run function, for tests of programs run in
// the test's process. stop cancels the context, waits up to StopTimeout
// for f's result and returns it (the zero T, and a failed test, if f did
// not return); only the first call waits, later ones return the same
// result, and the test's cleanup calls it too. ended is closed once f has
// returned, for waits that must notice a run that ended by itself.
func Background[T any](t testing.TB, f func(ctx context.Context) T) (stop func() T, ended <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var result T
	go func() {
		defer close(done)
		result = f(ctx)
	}()
	var once sync.Once
	var got T
	stop = func() T {
		once.Do(func() {
			cancel()
			select {
			case <-done:
				got = result
			case <-time.After(StopTimeout):
				t.Errorf("testsvc: the run did not return within %v of its context's end", StopTimeout)
			}
		})
		return got
	}
	t.Cleanup(func() { stop() })
	return stop, done
}
