package trace

import (
	"fmt"
	"grpcwire/observe"
	"io"
	"strconv"
	"sync"
	"time"
)

// Side says which end of a connection a trace is taken at. It decides how
// the connection's first line reads; "->" always means written by this side.
type Side uint8

const (
	// Client is the side that dialed: it opens streams with odd ids.
	Client Side = iota + 1
	// Server is the side that accepted the connection.
	Server
)

// String returns "client" or "server".
func (s Side) String() string {
	switch s {
	case Client:
		return "client"
	case Server:
		return "server"
	}
	return "side(" + strconv.Itoa(int(s)) + ")"
}

// A Tracer writes the frame trace of any number of connections to one
// io.Writer. It is safe for concurrent use: each frame is formatted and
// written while holding the Tracer's lock, so frames of the reader and writer
// goroutines of every connection come out whole and in the order they were
// observed.
type Tracer struct {
	cfg config

	mu    sync.Mutex
	w     io.Writer // guarded by mu
	conns int       // connections numbered so far; guarded by mu
	buf   []byte    // scratch for one frame's text; guarded by mu

	// With SummarizeData: the run of DATA frames being summarised, and
	// scratch for the frames it absorbs. Guarded by mu.
	run     dataRun
	scratch []byte
}

// maxKeptBuf is the largest scratch buffer a Tracer keeps between frames;
// a bigger one (a frame with a large decoded message) is dropped after use.
const maxKeptBuf = 64 << 10

// New returns a Tracer that writes to w, which programs set to os.Stderr so
// that their own output stays unchanged.
func New(w io.Writer, opts ...Option) *Tracer {
	t := &Tracer{cfg: defaultConfig(), w: w}
	for _, o := range opts {
		o.apply(&t.cfg)
	}
	return t
}

// Conn starts the trace of one connection: it numbers the connection, prints
// a line naming its two ends, and returns the observer to hand to the
// connection (server.FrameObserver and client.WithFrameObserver do this;
// server.Trace and client.WithTrace wrap it). local and remote are this
// side's and the peer's addresses; times are printed relative to start.
func (t *Tracer) Conn(side Side, local, remote string, start time.Time) *ConnTrace {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushRun()
	t.conns++
	c := &ConnTrace{t: t, id: t.conns, side: side, start: start, streams: make(map[uint32]*stream)}
	b := c.appendPrefix(t.buf[:0], time.Now())
	clientAddr, serverAddr := local, remote
	if side == Server {
		clientAddr, serverAddr = remote, local
	}
	b = fmt.Appendf(b, "connection: client %s, server %s, traced at the %s\n", clientAddr, serverAddr, side)
	t.write(b)
	return c
}

// write writes one frame's text and keeps the buffer for the next one.
// Callers hold t.mu.
func (t *Tracer) write(b []byte) {
	// A trace must never fail a call, so a failing writer is ignored.
	_, _ = t.w.Write(b)
	if cap(b) <= maxKeptBuf {
		t.buf = b[:0]
	} else {
		t.buf = nil
	}
}

// A ConnTrace traces one connection. It implements the engine's frame
// observer; get one from Tracer.Conn.
type ConnTrace struct {
	t     *Tracer
	id    int
	side  Side
	start time.Time

	// streams holds the reassembly state of the streams being followed.
	// Guarded by t.mu, which every ObserveFrame holds.
	streams map[uint32]*stream
}

var _ observe.Observer = (*ConnTrace)(nil)

// ObserveFrame prints one frame. The connection's reader and writer
// goroutines call it, possibly at the same time.
func (c *ConnTrace) ObserveFrame(ev *observe.FrameEvent) {
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.summarizeData {
		if c.absorb(ev) {
			return
		}
		t.flushRun()
	}
	t.write(c.appendFrame(t.buf[:0], ev))
}

// appendPrefix appends what starts every line of this connection: the
// elapsed time (unless omitted) and the connection's number.
func (c *ConnTrace) appendPrefix(b []byte, at time.Time) []byte {
	if !c.t.cfg.omitTimes {
		b = fmt.Appendf(b, "+%.6fs  ", at.Sub(c.start).Seconds())
	}
	return fmt.Appendf(b, "c%d ", c.id)
}
