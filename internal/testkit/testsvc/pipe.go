package testsvc

import (
	"context"
	"net"
	"sync"
)

// PipeListener is a net.Listener of in-memory connections: each Dial makes a
// net.Pipe, keeps one end and hands the other to Accept. testing/synctest
// bubbles cannot use real sockets (their blocking is not "durable", so the
// bubble's clock would never advance); a server serving a PipeListener and
// a client dialling it with client.WithDialer(l.Dial) run entirely inside a
// bubble when the listener is made there.
type PipeListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

// NewPipeListener returns an open PipeListener.
func NewPipeListener() *PipeListener {
	return &PipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// pipeAddr is the address of both ends of a PipeListener's connections.
type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe:0" }

// Accept waits for the next Dial, or fails with net.ErrClosed once the
// listener is closed.
func (l *PipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and Dial fail from now on.
func (l *PipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

// Addr returns a placeholder address; PipeListener connections are reached
// through Dial, not by address.
func (l *PipeListener) Addr() net.Addr { return pipeAddr{} }

// Dial makes a connection to the listener. Its signature is that of
// client.WithDialer; addr is ignored.
func (l *PipeListener) Dial(ctx context.Context, addr string) (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.closed:
		c.Close()
		s.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	case <-ctx.Done():
		c.Close()
		s.Close()
		return nil, ctx.Err()
	}
}
