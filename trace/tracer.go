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
	// Proxy is a tap between the two ends, taking part in neither (package
	// tap, grpcwire proxy): "->" is then what the client sent the server
	// and "<-" what the server sent the client, as at the client; Conn's
	// local is the client's address and remote the server's.
	Proxy
)

// String returns "client", "server" or "proxy".
func (s Side) String() string {
	switch s {
	case Client:
		return "client"
	case Server:
		return "server"
	case Proxy:
		return "proxy"
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
	w     io.Writer // the text trace, or nil; guarded by mu
	conns int       // connections numbered so far; guarded by mu
	buf   []byte    // scratch for one frame's text; guarded by mu
	rec   record    // scratch for one frame of the structured outputs; guarded by mu
	// outs are the structured outputs (JSONTo, HTMLTo), in the order
	// their options came. Guarded by mu.
	outs []output
	// closers are what Close closes after the outputs: the files
	// FlagTracer opened.
	closers []io.Closer

	// With SummarizeData: the run of DATA frames being summarised, and
	// scratch for the frames it absorbs. Guarded by mu.
	run     dataRun
	scratch []byte
}

// maxKeptBuf is the largest scratch buffer a Tracer keeps between frames;
// a bigger one (a frame with a large decoded message) is dropped after use.
const maxKeptBuf = 64 << 10

// New returns a Tracer that writes the text trace to w, which programs set
// to os.Stderr so that their own output stays unchanged. A nil w writes no
// text, for a Tracer that only feeds JSONTo or HTMLTo.
func New(w io.Writer, opts ...Option) *Tracer {
	t := &Tracer{cfg: defaultConfig(), w: w}
	for _, o := range opts {
		o.apply(&t.cfg)
	}
	t.outs = t.cfg.outs
	t.cfg.outs = nil
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
	now := time.Now()
	b := c.appendPrefix(t.buf[:0], now)
	clientAddr, serverAddr := local, remote
	if side == Server {
		clientAddr, serverAddr = remote, local
	}
	b = fmt.Appendf(b, "connection: client %s, server %s, traced at the %s\n", clientAddr, serverAddr, side)
	for _, o := range t.outs {
		o.conn(c, now, clientAddr, serverAddr)
	}
	t.write(b)
	return c
}

// write writes one frame's text and keeps the buffer for the next one.
// Callers hold t.mu.
func (t *Tracer) write(b []byte) {
	// A trace must never fail a call, so a failing writer is ignored.
	if t.w != nil {
		_, _ = t.w.Write(b)
	}
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
	// rec collects the frame being formatted for the structured outputs,
	// nil when there are none. Guarded by t.mu.
	rec *record
}

var _ observe.Observer = (*ConnTrace)(nil)

// ObserveFrame prints one frame. The connection's reader and writer
// goroutines call it, possibly at the same time.
func (c *ConnTrace) ObserveFrame(ev *observe.FrameEvent) {
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.outs) == 0 {
		if t.cfg.summarizeData {
			if ok, _ := c.absorb(ev); ok {
				return
			}
			t.flushRun()
		}
		t.write(c.appendFrame(t.buf[:0], ev))
		return
	}
	// The structured outputs get every frame, summarised in the text or
	// not: they are for tools and for the drawing, which lays out frames
	// one by one.
	r := &t.rec
	r.reset(ev)
	c.rec = r
	if t.cfg.summarizeData {
		if ok, text := c.absorb(ev); ok {
			c.rec = nil
			r.text = text
			for _, o := range t.outs {
				o.frame(c, r)
			}
			return
		}
		t.flushRun()
	}
	b := c.appendFrame(t.buf[:0], ev)
	c.rec = nil
	r.text = b
	for _, o := range t.outs {
		o.frame(c, r)
	}
	t.write(b)
}

// appendPrefix appends what starts every line of this connection: the
// elapsed time (unless omitted) and the connection's number.
func (c *ConnTrace) appendPrefix(b []byte, at time.Time) []byte {
	if !c.t.cfg.omitTimes {
		b = fmt.Appendf(b, "+%.6fs  ", at.Sub(c.start).Seconds())
	}
	return fmt.Appendf(b, "c%d ", c.id)
}
