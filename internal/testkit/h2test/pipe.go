package h2test

import (
	"net"
	"testing"
)

// Pipe returns the two ends of a loopback TCP connection on 127.0.0.1,
// both closed when the test ends. Prefer it to SyncPipe: the kernel buffers
// each direction, so either side may write while the other is also writing,
// as HTTP/2 peers do all the time (a SETTINGS frame each at the start, a
// server answering while the client still sends). The listener is closed
// before Pipe returns, and no goroutine outlives the call.
func Pipe(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("h2test.Pipe: listening on 127.0.0.1: %v", err)
	}
	defer ln.Close()
	type accepted struct {
		conn net.Conn
		err  error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		ln.Close() // unblocks Accept
		<-ch
		t.Fatalf("h2test.Pipe: dialing %v: %v", ln.Addr(), err)
	}
	a := <-ch
	if a.err != nil {
		client.Close()
		t.Fatalf("h2test.Pipe: accepting on %v: %v", ln.Addr(), a.err)
	}
	t.Cleanup(func() {
		client.Close()
		a.conn.Close()
	})
	return client, a.conn
}

// SyncPipe returns the two ends of a net.Pipe, both closed when the test
// ends. net.Pipe has no buffer: every write blocks until the other end reads
// it. That makes it deadlock-prone for HTTP/2 — two Peers driven from one
// goroutine cannot even exchange their initial SETTINGS, and a Framer-based
// implementation that writes while its peer writes will hang until the
// Peer's timeout — so use it only when the test wants exactly that lock-step
// (each write a synchronisation point) and drives the two ends from
// different goroutines. Everything else should use Pipe.
func SyncPipe(t testing.TB) (client, server net.Conn) {
	t.Helper()
	client, server = net.Pipe()
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}
