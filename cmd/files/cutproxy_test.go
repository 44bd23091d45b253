package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// cutProxy is a loopback TCP proxy in front of a server that cuts every
// connection once so many bytes have gone through it in one direction:
// what a network failure in the middle of a transfer looks like to both
// ends.
type cutProxy struct {
	ln       net.Listener
	target   string
	upLimit  int64 // client to server bytes before the cut; < 0: no limit
	downLmit int64 // server to client bytes before the cut; < 0: no limit
	wg       sync.WaitGroup

	mu  sync.Mutex
	cut bool // a connection was cut
}

// newCutProxy listens on loopback in front of target until the end of the
// test.
func newCutProxy(t *testing.T, target string, up, down int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, upLimit: up, downLmit: down}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

// addr is where clients connect.
func (p *cutProxy) addr() string { return p.ln.Addr().String() }

// wasCut reports whether a connection was cut.
func (p *cutProxy) wasCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		var once sync.Once
		closeBoth := func() { once.Do(func() { c.Close(); s.Close() }) }
		p.wg.Add(2)
		go p.pipe(s, c, p.upLimit, closeBoth)
		go p.pipe(c, s, p.downLmit, closeBoth)
	}
}

// pipe copies src to dst until limit bytes have passed (then it cuts both
// connections) or either side ends.
func (p *cutProxy) pipe(dst, src net.Conn, limit int64, closeBoth func()) {
	defer p.wg.Done()
	defer closeBoth()
	r := io.Reader(src)
	if limit >= 0 {
		r = io.LimitReader(src, limit)
	}
	n, err := io.Copy(dst, r)
	if limit >= 0 && n == limit && (err == nil || errors.Is(err, io.EOF)) {
		p.mu.Lock()
		p.cut = true
		p.mu.Unlock()
	}
}
