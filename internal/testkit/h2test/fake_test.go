package h2test_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTB stands in for a test whose failures are the subject of the test: it
// records Errorf and Fatalf instead of failing, and Fatalf ends the calling
// goroutine as the real one does, so code after a failure does not run.
type fakeTB struct {
	testing.TB // the real test, for everything not overridden here

	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func newFakeTB(t testing.TB) *fakeTB { return &fakeTB{TB: t} }

func (f *fakeTB) Helper() {}

func (f *fakeTB) record(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, msg)
}

func (f *fakeTB) Errorf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Error(args ...any)                 { f.record(fmt.Sprint(args...)) }
func (f *fakeTB) Fail()                             { f.record("Fail") }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.record(fmt.Sprint(args...))
	runtime.Goexit()
}
func (f *fakeTB) FailNow() {
	f.record("FailNow")
	runtime.Goexit()
}
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.failures) > 0
}
func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// runCleanups runs the registered cleanups last first, as testing does.
func (f *fakeTB) runCleanups() {
	f.mu.Lock()
	fns := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// output returns everything recorded, one failure per paragraph.
func (f *fakeTB) output() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.failures, "\n\n")
}

// runFaked runs fn with a fakeTB on a goroutine of its own, so that its
// Fatalf can end that goroutine, and returns the fake once fn has returned
// or failed. It fails t if fn neither returns nor fails within limit: the
// point of the Peer's timeouts is that nothing hangs.
func runFaked(t *testing.T, limit time.Duration, fn func(tb *fakeTB)) *fakeTB {
	t.Helper()
	fake := newFakeTB(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(fake)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("the scripted step neither returned nor failed within %v", limit)
	}
	return fake
}

// fakeConn is a net.Conn that reads a fixed byte string and discards what
// is written, for feeding a Peer arbitrary input in the fuzz target.
type fakeConn struct {
	r io.Reader
}

func newFakeConn(data []byte) *fakeConn { return &fakeConn{r: bytes.NewReader(data)} }

func (c *fakeConn) Read(b []byte) (int, error)         { return c.r.Read(b) }
func (c *fakeConn) Write(b []byte) (int, error)        { return len(b), nil }
func (c *fakeConn) Close() error                       { return nil }
func (c *fakeConn) LocalAddr() net.Addr                { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (c *fakeConn) RemoteAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (c *fakeConn) SetDeadline(t time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(t time.Time) error { return nil }
