package client_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/observe"
	"grpcwire/server"
)

// TestManyConcurrentCallsOneConnection: 200 goroutines call at once over one
// Conn; every call gets its own answer, over a single TCP connection, also
// when the server allows fewer concurrent streams than there are calls (the
// rest wait for a free slot instead of failing).
func TestManyConcurrentCallsOneConnection(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	for _, maxStreams := range []uint32{0, 8} { // 0: the default
		t.Run(fmt.Sprintf("MaxConcurrentStreams=%d", maxStreams), func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			var conns atomic.Int32
			opts := []server.Option{server.FrameObserver(func(server.ConnInfo) observe.Observer {
				conns.Add(1)
				return nil
			})}
			if maxStreams > 0 {
				opts = append(opts, server.MaxConcurrentStreams(maxStreams))
			}
			_, addr := testsvc.Start(t, nil, opts...)
			cc := testsvc.Dial(t, addr)
			const n = 200
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					want := fmt.Sprintf("call %d", i)
					got, err := echo(context.Background(), cc, want)
					if err == nil && got != want {
						err = fmt.Errorf("call %d answered %q", i, got)
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if c := conns.Load(); c != 1 {
				t.Errorf("the calls used %d connections, want 1", c)
			}
		})
	}
}

// TestClientStreamingCloseAndRecv: many messages, then CloseAndRecv returns
// the one response.
func TestClientStreamingCloseAndRecv(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, nil)
	cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CollectPath)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 500 {
		s := fmt.Sprint(i)
		want = append(want, s)
		if err := cs.Send(wrapperspb.String(s)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	res, err := cs.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if res.Value != strings.Join(want, ",") {
		t.Errorf("Collect answered %d bytes, want the 500 values joined", len(res.Value))
	}
	// The call is over: RecvMsg keeps saying so.
	if err := cs.RecvMsg(new(wrapperspb.StringValue)); err != io.EOF {
		t.Errorf("RecvMsg after CloseAndRecv = %v, want io.EOF", err)
	}
	// No message: CloseAndRecv at once.
	cs, err = client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CollectPath)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := cs.CloseAndRecv(); err != nil || res.Value != "" {
		t.Errorf("empty Collect = %v, %v", res, err)
	}
}

// TestBidiSendAndRecvInTwoGoroutines: one goroutine sends while another
// receives, many messages, in order, with the half-close ending the call.
func TestBidiSendAndRecvInTwoGoroutines(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, nil)
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	sent := testsvc.Go(t, func() error {
		for i := range n {
			if err := bs.Send(wrapperspb.String(fmt.Sprint(i))); err != nil {
				return err
			}
		}
		return bs.CloseSend()
	})
	for i := range n {
		m, err := bs.Recv()
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if m.Value != fmt.Sprint(i) {
			t.Fatalf("message %d = %q", i, m.Value)
		}
	}
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if err := sent(); err != nil {
		t.Fatal(err)
	}
}

// TestServerIgnoresRequestStream: a handler that answers without reading
// the requests ends the call with OK; the client, which was still sending,
// gets io.EOF from Send once the server has finished, and the response
// stays readable.
func TestServerIgnoresRequestStream(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, &testsvc.Service{
		Collect: func(st server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			return st.SendAndClose(wrapperspb.String("not listening"))
		},
	})
	cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CollectPath)
	if err != nil {
		t.Fatal(err)
	}
	chunk := wrapperspb.String(strings.Repeat("x", 32<<10))
	var sendErr error
	for range 256 { // 8 MiB: far more than the stream's window
		if sendErr = cs.Send(chunk); sendErr != nil {
			break
		}
	}
	if sendErr != nil && sendErr != io.EOF {
		t.Fatalf("Send = %v, want nil or io.EOF", sendErr)
	}
	res, err := cs.CloseAndRecv()
	if err != nil || res.Value != "not listening" {
		t.Fatalf("CloseAndRecv = %v, %v; want the response", res, err)
	}
	// The connection is fine for more calls.
	if _, err := echo(context.Background(), cc, "next"); err != nil {
		t.Fatal(err)
	}
}
