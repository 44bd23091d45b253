package bench

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// tcpSource is the ImplTCP server: it writes tcpChunk bytes at a time to
// every accepted connection until the connection fails, so that the load
// generator can measure what loopback TCP carries in the direction of a
// server-streaming call, with the same pinning.
type tcpSource struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (t *tcpSource) serve() {
	defer t.wg.Wait()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			return
		}
		t.mu.Lock()
		if t.conns == nil { // stopped
			t.mu.Unlock()
			c.Close()
			return
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.send(c)
	}
}

func (t *tcpSource) send(c net.Conn) {
	defer t.wg.Done()
	buf := make([]byte, tcpChunk)
	for {
		if _, err := c.Write(buf); err != nil {
			break
		}
	}
	c.Close()
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

func (t *tcpSource) stop() {
	t.ln.Close()
	t.mu.Lock()
	for c := range t.conns {
		c.Close()
	}
	t.conns = nil
	t.mu.Unlock()
}

// measureTCP reads from an ImplTCP server at addr for warmup, then for d,
// tcpChunk bytes at a time, and returns the bytes per second of the second
// part.
func measureTCP(addr string, warmup, d time.Duration) (float64, error) {
	c, err := net.DialTimeout("tcp", addr, controlBound)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	buf := make([]byte, tcpChunk)
	start := time.Now()
	var n int64
	measuring := warmup <= 0
	for {
		now := time.Now()
		if !measuring && now.Sub(start) >= warmup {
			measuring, start, n = true, now, 0
		}
		if measuring && now.Sub(start) >= d {
			break
		}
		if err := c.SetReadDeadline(now.Add(controlBound)); err != nil {
			return 0, err
		}
		k, err := c.Read(buf)
		n += int64(k)
		if err != nil {
			return 0, fmt.Errorf("bench: raw TCP read after %d bytes: %w", n, err)
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
