package server_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// pipeConn serves srv inside a synctest bubble over an in-memory connection
// and returns a scripted client on it that has completed the handshake.
func pipeConn(t *testing.T, srv *server.Server) *h2test.Peer {
	t.Helper()
	ln := testsvc.NewPipeListener()
	testsvc.ServeListener(t, srv, ln)
	nc, err := ln.Dial(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	p := h2test.NewClient(t, nc)
	p.Handshake()
	return p
}

// TestDeadlineCancelsHandlerAndResetsStream pins grpc-timeout on the server:
// at the deadline the handler's context ends with DeadlineExceeded and the
// stream is reset with RST_STREAM(CANCEL), the client having failed the call
// on its own clock ("the server should locally cancel the RPC and send
// RST_STREAM with CANCEL error code", PROTOCOL-HTTP2.md).
func TestDeadlineCancelsHandlerAndResetsStream(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		type result struct {
			err      error
			deadline time.Duration // from the call's arrival
			waited   time.Duration
		}
		results := make(chan result, 1)
		svc := &testsvc.Service{
			Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
				start := time.Now()
				d, _ := ctx.Deadline()
				<-ctx.Done()
				results <- result{ctx.Err(), d.Sub(start), time.Since(start)}
				return nil, ctx.Err()
			},
		}
		srv := server.New()
		srv.Register(svc.Desc())
		p := pipeConn(t, srv)

		start := time.Now()
		p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false, "grpc-timeout", "50m")
		p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("x")))
		p.ExpectRST(1, http2.ErrCodeCancel)
		if got := time.Since(start); got != 50*time.Millisecond {
			t.Errorf("stream reset after %v, want at the 50ms deadline", got)
		}
		r := <-results
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("handler context ended with %v, want context.DeadlineExceeded", r.err)
		}
		if r.deadline != 50*time.Millisecond || r.waited != 50*time.Millisecond {
			t.Errorf("handler saw a deadline %v after it started and waited %v; want 50ms both", r.deadline, r.waited)
		}
		// The handler's late answer is not sent on the reset stream.
		p.Strict(true)
		p.ExpectNoFrame(time.Second)
	})
}

// TestClientResetCancelsHandler pins client cancellation: RST_STREAM from
// the client ends the handler's context with Canceled, and nothing more is
// sent on the stream.
func TestClientResetCancelsHandler(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	started := make(chan struct{})
	ended := make(chan error, 1)
	svc := &testsvc.Service{
		Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			close(started)
			<-st.Context().Done()
			ended <- st.Context().Err()
			return st.Send(wrapperspb.String("too late"))
		},
	}
	p := rawConn(t, svc)
	p.WriteGRPCRequestHeaders(1, testsvc.ChatPath, false)
	<-started
	p.WriteRST(1, http2.ErrCodeCancel)
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("handler context ended with %v, want context.Canceled", err)
		}
	case <-time.After(testsvc.Timeout):
		t.Fatal("the handler's context was not cancelled by the client's RST_STREAM")
	}
	p.ExpectNoFrame(20 * time.Millisecond)
}
