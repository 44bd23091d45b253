package transport

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
)

// The engine's own behaviour is pinned here with a server Conn driven by a
// scripted h2test client: the frames it answers with, frame by frame. The
// streams of such a server are served by a gate's handler, by :path.
const (
	gatePath = "/test.Svc/Gate" // reads the request, waits at the gate, echoes it
	echoPath = "/test.Svc/Echo" // reads the request and echoes it at once
	bulkPath = "/test.Svc/Bulk" // never reads; ends when the stream does
	readPath = "/test.Svc/Read" // reads one message, reports its length, waits for the stream's end
)

// errStreamEnded is what a gated handler reports on gate.ended when its
// stream ended before the gate opened.
var errStreamEnded = errors.New("the stream ended while its handler waited at the gate")

// gate is the test server's handler: calls to gatePath report their
// request value on started and then wait for open, or for their stream to
// end (reported on ended).
type gate struct {
	started chan string   // the request value of every gated call that started
	open    chan struct{} // closed to let the gated calls finish
	ended   chan error    // the stream's error for every gated call whose stream ended first
	// received is the length of the message of every readPath call.
	received chan int
}

func newGate() *gate {
	return &gate{started: make(chan string, 1000), open: make(chan struct{}), ended: make(chan error, 1000), received: make(chan int, 1000)}
}

// serve handles one stream (see the paths above). Responses echo the
// request's bytes, a gRPC message included.
func (g *gate) serve(s *Stream) {
	aborted := make(chan struct{})
	s.SetAbortFunc(func() { close(aborted) })
	switch headerValue(s.Header(), ":path") {
	case bulkPath:
		<-aborted
		return
	case readPath:
		var prefix [5]byte
		if _, err := io.ReadFull(s, prefix[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint32(prefix[1:]))
		if _, err := io.ReadFull(s, msg); err != nil {
			return
		}
		g.received <- len(msg)
		<-aborted
		return
	case gatePath:
		body, err := io.ReadAll(s)
		if err != nil {
			return
		}
		g.started <- string(messageValue(body))
		select {
		case <-g.open:
		case <-aborted:
			err := s.Err()
			if err == nil {
				err = errStreamEnded
			}
			g.ended <- err
			return
		}
		s.WriteResponse(respHeaders, body, nil, okTrailers)
	default:
		body, err := io.ReadAll(s)
		if err != nil {
			return
		}
		s.WriteResponse(respHeaders, body, nil, okTrailers)
	}
}

// waitStarted waits for n gated calls to start and returns their request
// values.
func (g *gate) waitStarted(t *testing.T, n int) []string {
	t.Helper()
	var vs []string
	for range n {
		select {
		case v := <-g.started:
			vs = append(vs, v)
		case <-time.After(h2test.DefaultTimeout):
			t.Fatalf("only %d of %d calls started", len(vs), n)
		}
	}
	return vs
}

// messageValue is the payload of the one Length-Prefixed-Message in b.
func messageValue(b []byte) []byte {
	if len(b) < 5 {
		return nil
	}
	return b[5:]
}

// startServer serves nc with a server Conn of cfg whose streams g serves.
// The connection is closed, and its goroutines and handlers waited for, at
// the end of the test.
func startServer(t *testing.T, nc net.Conn, cfg Config, g *gate) *Conn {
	t.Helper()
	var handlers sync.WaitGroup
	cfg.OnStream = func(s *Stream) {
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			defer s.Release()
			g.serve(s)
		}()
	}
	srv := NewServerConn(nc, cfg)
	done := make(chan struct{})
	go func() { defer close(done); srv.Run() }()
	t.Cleanup(func() {
		srv.Close()
		<-done
		handlers.Wait()
	})
	return srv
}

// rawClient starts a server Conn of cfg on loopback TCP and connects a
// scripted HTTP/2 client to it; the test does the handshake.
func rawClient(t *testing.T, cfg Config, g *gate) (*Conn, *h2test.Peer) {
	t.Helper()
	cnc, snc := h2test.Pipe(t)
	srv := startServer(t, snc, cfg, g)
	return srv, h2test.NewClient(t, cnc)
}

// pipeClient is rawClient over an in-memory net.Pipe, for tests inside a
// testing/synctest bubble (where real sockets cannot be used), with the
// handshake done. Its timeout is long, since inside a bubble time only
// passes when everything waits, and the timers under test are what should
// fire first.
func pipeClient(t *testing.T, cfg Config, g *gate) (*Conn, *h2test.Peer) {
	t.Helper()
	cnc, snc := h2test.SyncPipe(t)
	srv := startServer(t, snc, cfg, g)
	p := h2test.NewClient(t, cnc)
	p.SetTimeout(24 * time.Hour)
	p.Handshake()
	return srv, p
}

// request writes a whole request with value v on stream id to gatePath.
func request(t *testing.T, p *h2test.Peer, id uint32, v string) {
	t.Helper()
	p.WriteGRPCRequestHeaders(id, gatePath, false)
	p.WriteGRPCMessage(id, true, false, []byte(v))
}

// expectEchoes reads frames until every stream in ids has ended with
// grpc-status 0 after its response, in whatever order the streams' frames
// interleave, and returns the response values by stream.
func expectEchoes(t *testing.T, p *h2test.Peer, ids ...uint32) map[uint32]string {
	t.Helper()
	got := map[uint32]string{}
	open := map[uint32]bool{}
	for _, id := range ids {
		open[id] = true
	}
	for len(open) > 0 {
		switch f := p.ReadFrame().(type) {
		case *h2test.Headers:
			if !open[f.StreamID] {
				t.Fatalf("unexpected %v\n%s", f, p.FrameLog())
			}
			if f.EndStream {
				if s := f.Get("grpc-status"); s != "0" {
					t.Fatalf("stream %d ended with grpc-status %q", f.StreamID, s)
				}
				delete(open, f.StreamID)
			}
		case *http2.DataFrame:
			if !open[f.StreamID] {
				t.Fatalf("unexpected DATA on stream %d\n%s", f.StreamID, p.FrameLog())
			}
			got[f.StreamID] = string(messageValue(f.Data()))
		case *http2.RSTStreamFrame:
			if f.ErrCode != http2.ErrCodeNo {
				t.Fatalf("stream %d reset with %v\n%s", f.StreamID, f.ErrCode, p.FrameLog())
			}
		case *http2.WindowUpdateFrame, *http2.SettingsFrame, *http2.PingFrame:
		case nil:
			t.Fatalf("the connection failed while waiting for the responses\n%s", p.FrameLog())
		default:
			t.Fatalf("unexpected %T while waiting for the responses\n%s", f, p.FrameLog())
		}
	}
	return got
}

// within fails the test unless ch is closed within h2test.DefaultTimeout.
func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(h2test.DefaultTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}
