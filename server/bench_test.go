package server_test

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/server"
)

// The benchmarks of a whole unary call: grpcwire's client and server over a
// buffered in-memory connection (no kernel, so the numbers are the
// library's own) and over loopback TCP (what a real deployment adds). The
// side-by-side comparison with grpc-go lives in conformance/bench; these are
// here so that a regression shows in a plain go test -bench.
//
//	go test -run '^$' -bench Unary -benchmem ./server

// benchUnaryPath is the method the benchmarks call.
const benchUnaryPath = "/grpcwire.bench.Bench/Unary"

// benchServer starts a server whose one unary method answers with its
// request, the least work a handler can do, on ln.
func benchServer(b *testing.B, ln net.Listener) {
	b.Helper()
	srv := server.New()
	srv.Register(&server.ServiceDesc{Name: "grpcwire.bench.Bench", Methods: []server.MethodDesc{
		server.UnaryMethod("Unary", func(_ context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
			return in, nil
		}),
	}})
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	b.Cleanup(func() { srv.Stop(); <-done })
}

// benchConns returns a client Conn to a fresh bench server over the given
// transport: "mem" for memPipe connections, "tcp" for loopback TCP.
func benchConn(b *testing.B, transport string) *client.Conn {
	b.Helper()
	var (
		ln   net.Listener
		opts []client.Option
		err  error
	)
	switch transport {
	case "mem":
		ml := newMemListener()
		ln = ml
		opts = append(opts, client.WithDialer(ml.Dial))
	case "tcp":
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			b.Fatal(err)
		}
	}
	benchServer(b, ln)
	cc, err := client.Dial(ln.Addr().String(), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cc.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	return cc
}

var benchTransports = []string{"mem", "tcp"}

var benchSizes = []struct {
	name string
	n    int
}{{"100B", 100}, {"16KiB", 16 << 10}}

// BenchmarkUnary makes one call after another; its ns/op is a call's
// latency and its allocs/op those of client and server together.
func BenchmarkUnary(b *testing.B) {
	for _, tr := range benchTransports {
		for _, sz := range benchSizes {
			b.Run(tr+"/"+sz.name, func(b *testing.B) {
				cc := benchConn(b, tr)
				req := &wrapperspb.BytesValue{Value: make([]byte, sz.n)}
				ctx := context.Background()
				b.SetBytes(int64(sz.n))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := client.Unary[wrapperspb.BytesValue, wrapperspb.BytesValue](ctx, cc, benchUnaryPath, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUnaryParallel makes calls from GOMAXPROCS×16 goroutines on one
// connection, the shape of a busy server: its ns/op is the inverse of
// throughput.
func BenchmarkUnaryParallel(b *testing.B) {
	for _, tr := range benchTransports {
		b.Run(tr+"/100B", func(b *testing.B) {
			cc := benchConn(b, tr)
			req := &wrapperspb.BytesValue{Value: make([]byte, 100)}
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if _, err := client.Unary[wrapperspb.BytesValue, wrapperspb.BytesValue](ctx, cc, benchUnaryPath, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// memListener is a net.Listener of buffered in-memory connections (see
// memPipe); its Dial has client.WithDialer's signature.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

func (l *memListener) Dial(ctx context.Context, _ string) (net.Conn, error) {
	c, s := memPipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.closed:
	case <-ctx.Done():
	}
	c.Close()
	s.Close()
	return nil, net.ErrClosed
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem:1" }

// memBufSize is how many bytes each direction of a memPipe holds before a
// writer waits: a loopback socket's order of magnitude.
const memBufSize = 256 << 10

// memPipe returns the two ends of an in-memory connection. Unlike
// net.Pipe, whose every Write waits for a Read, each direction buffers up
// to memBufSize bytes, so both peers can write at once as HTTP/2 peers do.
func memPipe() (net.Conn, net.Conn) {
	a, b := newMemBuf(), newMemBuf()
	return &memConn{in: a, out: b}, &memConn{in: b, out: a}
}

// memBuf is one direction: bytes written and not yet read.
type memBuf struct {
	mu       sync.Mutex
	cond     sync.Cond // signalled when data, space, closing or a deadline changes
	store    []byte
	data     []byte // a window of store
	writeEnd bool   // the writer closed: reads drain data, then io.EOF
	readEnd  bool   // the reader closed: reads and writes fail
	rExpired bool
	wExpired bool
	rTimer   *time.Timer
	wTimer   *time.Timer
}

func newMemBuf() *memBuf {
	m := &memBuf{store: make([]byte, memBufSize)}
	m.data = m.store[:0]
	m.cond.L = &m.mu
	return m
}

func (m *memBuf) read(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.data) == 0 {
		switch {
		case m.readEnd:
			return 0, net.ErrClosed
		case m.writeEnd:
			return 0, io.EOF
		case m.rExpired:
			return 0, os.ErrDeadlineExceeded
		}
		m.cond.Wait()
	}
	if m.readEnd {
		return 0, net.ErrClosed
	}
	n := copy(p, m.data)
	m.data = m.data[n:]
	if len(m.data) == 0 {
		m.data = m.store[:0]
	}
	m.cond.Broadcast()
	return n, nil
}

func (m *memBuf) write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for len(p) > 0 {
		switch {
		case m.writeEnd:
			return n, net.ErrClosed
		case m.readEnd:
			return n, io.ErrClosedPipe
		case m.wExpired:
			return n, os.ErrDeadlineExceeded
		}
		space := len(m.store) - len(m.data)
		if space == 0 {
			m.cond.Wait()
			continue
		}
		if cap(m.data)-len(m.data) < min(space, len(p)) {
			// Move what is left to the front of store.
			k := copy(m.store, m.data)
			m.data = m.store[:k]
		}
		k := min(space, len(p))
		m.data = append(m.data, p[:k]...)
		p = p[k:]
		n += k
		m.cond.Broadcast()
	}
	return n, nil
}

// setDeadline arms the read or write deadline of the direction.
func (m *memBuf) setDeadline(t time.Time, read bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	timer, expired := &m.wTimer, &m.wExpired
	if read {
		timer, expired = &m.rTimer, &m.rExpired
	}
	if *timer != nil {
		(*timer).Stop()
		*timer = nil
	}
	*expired = false
	switch {
	case t.IsZero():
	case !t.After(time.Now()):
		*expired = true
	default:
		*timer = time.AfterFunc(time.Until(t), func() {
			m.mu.Lock()
			*expired = true
			m.cond.Broadcast()
			m.mu.Unlock()
		})
	}
	m.cond.Broadcast()
}

func (m *memBuf) close(reader bool) {
	m.mu.Lock()
	if reader {
		m.readEnd = true
	} else {
		m.writeEnd = true
	}
	for _, t := range []*time.Timer{m.rTimer, m.wTimer} {
		if t != nil {
			t.Stop()
		}
	}
	m.cond.Broadcast()
	m.mu.Unlock()
}

// memConn is one end of a memPipe.
type memConn struct {
	in, out *memBuf
	once    sync.Once
}

func (c *memConn) Read(p []byte) (int, error)  { return c.in.read(p) }
func (c *memConn) Write(p []byte) (int, error) { return c.out.write(p) }
func (c *memConn) Close() error {
	c.once.Do(func() {
		c.in.close(true)
		c.out.close(false)
	})
	return nil
}
func (c *memConn) LocalAddr() net.Addr  { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr { return memAddr{} }
func (c *memConn) SetDeadline(t time.Time) error {
	c.in.setDeadline(t, true)
	c.out.setDeadline(t, false)
	return nil
}
func (c *memConn) SetReadDeadline(t time.Time) error  { c.in.setDeadline(t, true); return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { c.out.setDeadline(t, false); return nil }

// TestMemPipe checks the in-memory connection the benchmarks rest on: both
// ends may write at once beyond any single read, reads see the bytes in
// order, Close gives the peer io.EOF after the data, and deadlines fire.
func TestMemPipe(t *testing.T) {
	a, b := memPipe()
	defer a.Close()
	defer b.Close()
	msg := make([]byte, 3*memBufSize)
	for i := range msg {
		msg[i] = byte(i % 251)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, c := range []net.Conn{a, b} {
		wg.Go(func() {
			if _, err := c.Write(msg); err != nil {
				errs <- err
			}
		})
	}
	for _, c := range []net.Conn{b, a} {
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != msg[i] {
				t.Fatalf("byte %d = %d, want %d", i, got[i], msg[i])
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	b.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := b.Read(make([]byte, 1)); !os.IsTimeout(err) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	b.SetReadDeadline(time.Time{})
	a.Write([]byte("x"))
	a.Close()
	if got, err := io.ReadAll(b); err != nil || string(got) != "x" {
		t.Fatalf("after the peer's Close: %q, %v; want the byte left, then io.EOF", got, err)
	}
	if _, err := a.Write([]byte("y")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}
