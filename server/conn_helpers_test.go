package server_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// pipeServer serves svc on an in-memory listener, for tests inside a
// testing/synctest bubble, where real sockets cannot be used. The server is
// stopped at the end of the test.
func pipeServer(t *testing.T, svc *testsvc.Service, opts ...server.Option) (*server.Server, *testsvc.PipeListener) {
	t.Helper()
	srv := server.New(opts...)
	if svc == nil {
		svc = &testsvc.Service{}
	}
	srv.Register(svc.Desc())
	ln := testsvc.NewPipeListener()
	testsvc.ServeListener(t, srv, ln)
	return srv, ln
}

// pipeRawClient connects a scripted HTTP/2 client to ln and completes the
// handshake. Its timeout is long, since inside a bubble time only passes
// when everything waits, and the timers under test are what should fire
// first.
func pipeRawClient(t *testing.T, ln *testsvc.PipeListener, settings ...http2.Setting) *h2test.Peer {
	t.Helper()
	nc, err := ln.Dial(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	p := h2test.NewClient(t, nc, settings...)
	p.SetTimeout(24 * time.Hour)
	p.Handshake()
	return p
}

// gate is a handler behaviour for tests that need calls to stay in flight:
// each call reports that it started and then waits for the gate to open or
// its context to end.
type gate struct {
	started chan string   // the request value of every call that started
	open    chan struct{} // closed to let the calls finish
	ended   chan error    // the context error of every call whose context ended first
}

func newGate() *gate {
	return &gate{started: make(chan string, 1000), open: make(chan struct{}), ended: make(chan error, 1000)}
}

// echo is an Echo handler that waits at the gate.
func (g *gate) echo(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	g.started <- in.GetValue()
	select {
	case <-g.open:
		return in, nil
	case <-ctx.Done():
		g.ended <- ctx.Err()
		return nil, ctx.Err()
	}
}

// service is the test service with the gated Echo.
func (g *gate) service() *testsvc.Service { return &testsvc.Service{Echo: g.echo} }

// request writes a unary Echo request with value v on stream id.
func request(t *testing.T, p *h2test.Peer, id uint32, v string) {
	t.Helper()
	p.WriteGRPCRequestHeaders(id, testsvc.EchoPath, false)
	p.WriteGRPCMessage(id, true, false, testsvc.Marshal(t, wrapperspb.String(v)))
}

// expectEchoes reads frames until every stream in ids has ended with
// grpc-status 0 after its one response message, in whatever order the
// streams' frames interleave, and returns the response values by stream.
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
					t.Fatalf("stream %d ended with grpc-status %q (%q)", f.StreamID, s, f.Get("grpc-message"))
				}
				delete(open, f.StreamID)
			}
		case *http2.DataFrame:
			if !open[f.StreamID] {
				t.Fatalf("unexpected DATA on stream %d\n%s", f.StreamID, p.FrameLog())
			}
			var v wrapperspb.StringValue
			testsvc.Unmarshal(t, f.Data()[5:], &v)
			got[f.StreamID] = v.Value
		case *http2.RSTStreamFrame:
			if f.ErrCode != http2.ErrCodeNo {
				t.Fatalf("stream %d reset with %v\n%s", f.StreamID, f.ErrCode, p.FrameLog())
			}
		case *http2.WindowUpdateFrame, *http2.SettingsFrame, *http2.PingFrame:
		default:
			t.Fatalf("unexpected %T while waiting for the responses\n%s", f, p.FrameLog())
		}
	}
	return got
}

// waitStarted waits for n calls to start at the gate and returns their
// request values.
func (g *gate) waitStarted(t *testing.T, n int) []string {
	t.Helper()
	var vs []string
	for range n {
		select {
		case v := <-g.started:
			vs = append(vs, v)
		case <-time.After(testsvc.Timeout):
			t.Fatalf("only %d of %d calls started", len(vs), n)
		}
	}
	return vs
}
