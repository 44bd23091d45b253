package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"grpcwire/conformance/benchpb"
)

// The floors are what no gRPC stack can beat on this machine: the same
// payloads over one loopback TCP connection with nothing of gRPC or HTTP/2
// around them, measured in the same run with the same pinning and the same
// load generator loop (driver.caller, one time.Now pair per operation), so
// that a gRPC figure divided by its floor is what the stack adds.
//
//   - FloorPingPong, the floor of unary calls with one caller and of bidi
//     ping-pong: a 100 B request with a 4-byte length before it, a 100 B
//     answer likewise, one at a time. The server (ImplTCPEcho) reads each
//     request and answers it with one write; the client writes each request
//     with one write and reads the answer. Neither side allocates per round
//     trip, and each makes the system calls Go's netpoller needs and no
//     more: one write, and a read that finds nothing (EAGAIN) before the
//     goroutine parks and the read that gets the bytes once woken.
//   - FloorStream, the floor of server-streaming 1 MiB messages: the server
//     (ImplTCP) writes 1 MiB at a time, as grpcwire's writer does (one
//     writev of at most 1 MiB per batch), and the client reads each 1 MiB
//     message into a 1 MiB buffer (io.ReadFull), the least copying a client
//     that hands a message to its caller can do.
//
// Both servers answer the control protocol like the gRPC ones, so the
// floors have a server CPU per operation too.

// ImplTCPEcho is the ping-pong floor's server: it answers every
// length-prefixed request with an answer as long.
const ImplTCPEcho = "tcp-echo"

// echoPrefix is the length prefix of every ping-pong request and answer: a
// 4-byte big-endian payload length.
const echoPrefix = 4

// FloorPingPong is the ping-pong floor as a workload: it runs with the
// Bidi kind's loop (one round trip after another on one connection).
var FloorPingPong = Workload{Name: "tcp-pingpong-100B", Kind: Bidi, Size: SmallSize, Count: 1, Conns: 1, Concurrency: 1}

// FloorStream is the streaming floor as a workload: the ServerStream
// kind's loop, a latency sample per 64 messages of 1 MiB, as in
// sstream-1MiB-x64.
var FloorStream = Workload{Name: "tcp-stream-1MiB", Kind: ServerStream, Size: LargeSize, Count: 64, Conns: 1, Concurrency: 1}

// floorOf returns the floor of workload w, and whether it has one: the
// ping-pong floor for one-at-a-time 100 B unary calls and bidi round trips,
// the streaming floor for server-streaming 1 MiB messages.
func floorOf(w Workload) (Workload, bool) {
	switch {
	case w.Size == SmallSize && w.Concurrency == 1 && (w.Kind == Unary || w.Kind == Bidi):
		return FloorPingPong, true
	case w.Size == LargeSize && w.Kind == ServerStream:
		return FloorStream, true
	}
	return Workload{}, false
}

// errEchoTooLarge is a request whose length prefix exceeds maxPayload.
var errEchoTooLarge = errors.New("bench: ping-pong request longer than the largest payload")

// readEchoFrame reads one length-prefixed message into buf (at least
// echoPrefix+maxPayload bytes) and returns its payload length. It asks for
// at least the prefix in one read, so that a 104-byte request that arrived
// whole takes one read system call.
func readEchoFrame(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadAtLeast(r, buf[:cap(buf)], echoPrefix)
	if err != nil {
		return 0, err
	}
	size := binary.BigEndian.Uint32(buf)
	if size > maxPayload {
		return 0, fmt.Errorf("%w: %d bytes", errEchoTooLarge, size)
	}
	total := echoPrefix + int(size)
	if n > total {
		return 0, fmt.Errorf("bench: %d bytes after a ping-pong request: a client sent before it was answered", n-total)
	}
	if n < total {
		if _, err := io.ReadFull(r, buf[n:total]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the request began
			}
			return 0, err
		}
	}
	return int(size), nil
}

// echoAnswers holds the preallocated answers, prefix included, of the
// sizes the workloads use.
var echoAnswers = func() map[int][]byte {
	m := map[int][]byte{}
	for _, p := range payloads {
		b := make([]byte, echoPrefix+len(p.Payload))
		binary.BigEndian.PutUint32(b, uint32(len(p.Payload)))
		copy(b[echoPrefix:], p.Payload)
		m[len(p.Payload)] = b
	}
	return m
}()

// echoAnswer returns the answer of a request of size bytes.
func echoAnswer(size int) []byte {
	if b, ok := echoAnswers[size]; ok {
		return b
	}
	b := make([]byte, echoPrefix+size)
	binary.BigEndian.PutUint32(b, uint32(size))
	return b
}

// rawServer serves one of the floors' protocols on every accepted
// connection, each on a goroutine of its own, until stopped.
type rawServer struct {
	ln     net.Listener
	handle func(net.Conn)
	mu     sync.Mutex
	conns  map[net.Conn]struct{} // nil once stopped
	wg     sync.WaitGroup
}

func newRawServer(ln net.Listener, handle func(net.Conn)) *rawServer {
	return &rawServer{ln: ln, handle: handle, conns: map[net.Conn]struct{}{}}
}

func (s *rawServer) serve() {
	defer s.wg.Wait()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.conns == nil { // stopped
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(c)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

func (s *rawServer) stop() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
}

// serveEcho answers each request on c until c fails or a request is
// malformed.
func serveEcho(c net.Conn) {
	buf := make([]byte, echoPrefix+maxPayload)
	for {
		size, err := readEchoFrame(c, buf)
		if err != nil {
			return
		}
		if _, err := c.Write(echoAnswer(size)); err != nil {
			return
		}
	}
}

// tcpClient is the load generator's side of both floors, as a Client so
// that the floors run through the same driver as the gRPC workloads: Bidi
// gives the ping-pong round trips of an ImplTCPEcho server, ServerStream
// reads messages from an ImplTCP server. One connection serves one of
// them.
type tcpClient struct {
	c   net.Conn
	req []byte // a ping-pong request, prefix included
	buf []byte // the answer, or a streamed message
}

// dialTCP connects to a floor server.
func dialTCP(addr string) (Client, error) {
	c, err := net.DialTimeout("tcp", addr, controlBound)
	if err != nil {
		return nil, err
	}
	return &tcpClient{c: c}, nil
}

// errNotFloor is what the kinds without a floor return.
var errNotFloor = errors.New("bench: raw TCP has floors for ping-pong and server-streaming only")

func (t *tcpClient) Unary(context.Context, *benchpb.Payload) error { return errNotFloor }

func (t *tcpClient) ClientStream(context.Context, *benchpb.Payload, int) error { return errNotFloor }

// ServerStream reads req's count messages of req's size from the stream.
func (t *tcpClient) ServerStream(ctx context.Context, req *benchpb.StreamRequest) (int, error) {
	size := int(req.GetSize())
	if len(t.buf) != size {
		t.buf = make([]byte, size)
	}
	defer t.interruptOn(ctx)()
	for i := range int(req.GetCount()) {
		if _, err := io.ReadFull(t.c, t.buf); err != nil {
			return i, fmt.Errorf("raw TCP stream: %w", err)
		}
	}
	return int(req.GetCount()), nil
}

// Bidi starts a ping-pong: every RoundTrip is one request and its answer.
func (t *tcpClient) Bidi(ctx context.Context) (PingPong, error) {
	return tcpPingPong{t, t.interruptOn(ctx)}, nil
}

// interruptOn makes the connection's reads and writes fail once ctx is
// done, as the gRPC clients' calls do (the driver's watchdog cancels it),
// and returns the function that stops watching. It is set up once per
// call, not per read, so that the floor does no extra work per message.
func (t *tcpClient) interruptOn(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { t.c.SetDeadline(time.Unix(1, 0)) })
}

// tcpPingPong is an open ping-pong on a tcpClient's connection.
type tcpPingPong struct {
	t    *tcpClient
	stop func() bool
}

// RoundTrip writes req's payload, prefixed, in one write and reads the
// answer; its buffers are made once, at the first round trip.
func (p tcpPingPong) RoundTrip(req *benchpb.Payload) error {
	t := p.t
	size := len(req.GetPayload())
	if len(t.req) != echoPrefix+size {
		t.req = make([]byte, echoPrefix+size)
		binary.BigEndian.PutUint32(t.req, uint32(size))
		copy(t.req[echoPrefix:], req.GetPayload())
		t.buf = make([]byte, echoPrefix+maxPayload)
	}
	if _, err := t.c.Write(t.req); err != nil {
		return err
	}
	n, err := readEchoFrame(t.c, t.buf)
	if err == nil && n != size {
		err = fmt.Errorf("bench: a %d-byte answer to a %d-byte request", n, size)
	}
	return err
}

// Close ends the ping-pong; the connection stays open for the next.
func (p tcpPingPong) Close() error {
	p.stop()
	return nil
}

// Close closes the connection.
func (t *tcpClient) Close() error { return t.c.Close() }

// Sizes of the copy calibration.
const (
	// copyBlock is each copy's size: a 1 MiB message.
	copyBlock = LargeSize
	// copySpan is how much memory the copies walk through, source and
	// destination each: 64 MiB, more than the last-level cache of the
	// machines the harness runs on, so that each copy reads and writes
	// memory as a client that keeps receiving 1 MiB messages does.
	copySpan = 64 << 20
	// copyWindow bounds the calibration's window: long enough to walk the
	// span a few dozen times.
	copyWindow = 300 * time.Millisecond
)

// measureCopy is the copy calibration: the rate at which the calling
// process (the load generator, on its CPU) copies 1 MiB blocks from one
// 64 MiB buffer to another, in bytes per second over d (at most
// copyWindow). A 1 MiB message costs a client at least one such copy (the
// kernel's, out of the socket), and the streaming figures move with it
// when the machine's memory is shared with other work.
func measureCopy(d time.Duration) float64 {
	d = min(d, copyWindow)
	src, dst := make([]byte, copySpan), make([]byte, copySpan)
	for i := 0; i < len(src); i += 512 {
		src[i] = byte(i >> 9) // pages of its own, not the kernel's shared zero page
	}
	copy(dst, src) // fault both in before timing
	var n int64
	start := time.Now()
	for off := 0; time.Since(start) < d; off = (off + copyBlock) % copySpan {
		copy(dst[off:off+copyBlock], src[off:off+copyBlock])
		n += copyBlock
	}
	return float64(n) / time.Since(start).Seconds()
}
