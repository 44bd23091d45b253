package client_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// pipeStart serves svc inside a synctest bubble over in-memory connections
// and returns a Conn to it; both end with the test.
func pipeStart(t *testing.T, svc *testsvc.Service, opts ...client.Option) *client.Conn {
	t.Helper()
	srv := server.New()
	srv.Register(svc.Desc())
	ln := testsvc.NewPipeListener()
	testsvc.ServeListener(t, srv, ln)
	return testsvc.Dial(t, "pipe:0", append([]client.Option{client.WithDialer(ln.Dial)}, opts...)...)
}

// TestDeadlineExceededLocally pins "client fails with DEADLINE_EXCEEDED
// locally": a call whose handler outlives the deadline fails at the
// deadline, on the client's clock, for every call kind, and the handler's
// context ends at the same moment.
func TestDeadlineExceededLocally(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		const timeout = 100 * time.Millisecond
		handlerErr := make(chan error, 1)
		wait := func(ctx context.Context) error {
			<-ctx.Done()
			handlerErr <- ctx.Err()
			return ctx.Err()
		}
		cc := pipeStart(t, &testsvc.Service{
			Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
				return nil, wait(ctx)
			},
			Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
				st.Send(wrapperspb.Int32(0))
				return wait(st.Context())
			},
			Collect: func(st server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
				return wait(st.Context())
			},
			Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
				return wait(st.Context())
			},
		})
		calls := []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"unary", func(ctx context.Context) error {
				_, err := echo(ctx, cc, "x")
				return err
			}},
			{"server-streaming", func(ctx context.Context) error {
				for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(1)) {
					if err != nil {
						return err
					}
				}
				return nil
			}},
			{"client-streaming", func(ctx context.Context) error {
				cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.CollectPath)
				if err != nil {
					return err
				}
				_, err = cs.CloseAndRecv()
				return err
			}},
			{"bidi", func(ctx context.Context) error {
				bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
				if err != nil {
					return err
				}
				_, err = bs.Recv()
				return err
			}},
		}
		for _, c := range calls {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			start := time.Now()
			err := c.call(ctx)
			cancel()
			wantStatus(t, err, wire.DeadlineExceeded)
			if st := wire.StatusOf(err); st.Remote {
				t.Errorf("%s: DEADLINE_EXCEEDED came from the server; the client must fail the call on its own clock", c.name)
			}
			if got := time.Since(start); got != timeout {
				t.Errorf("%s: failed after %v, want at the %v deadline", c.name, got, timeout)
			}
			// The server's deadline timer and the client's RST_STREAM(CANCEL)
			// come at the same instant; either may end the handler's context.
			if err := <-handlerErr; !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				t.Errorf("%s: handler context ended with %v, want DeadlineExceeded or Canceled", c.name, err)
			}
		}
	})
}

// TestDeadlineWhenServerNeverAnswers: the client does not depend on the
// server to end a call at its deadline, neither when the server has the
// request and is silent (the client then resets the stream with CANCEL) nor
// when it never even completes the HTTP/2 handshake.
func TestDeadlineWhenServerNeverAnswers(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const timeout = 250 * time.Millisecond
	t.Run("silent after the request", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ln := testsvc.NewPipeListener()
			cc := testsvc.Dial(t, "pipe:0", client.WithDialer(ln.Dial))
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			wait := testsvc.Go(t, func() error {
				_, err := echo(ctx, cc, "x")
				return err
			})
			p := pipeServer(t, ln)
			p.ExpectHeaders(1, false)
			p.ExpectGRPCMessage(1)
			p.ExpectRST(1, http2.ErrCodeCancel)
			wantStatus(t, wait(), wire.DeadlineExceeded)
			if got := time.Since(start); got != timeout {
				t.Errorf("failed after %v, want at the %v deadline", got, timeout)
			}
		})
	})
	t.Run("no handshake", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ln := testsvc.NewPipeListener()
			cc := testsvc.Dial(t, "pipe:0", client.WithDialer(ln.Dial))
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			wait := testsvc.Go(t, func() error {
				_, err := echo(ctx, cc, "x", client.WaitForReady(true))
				return err
			})
			nc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close() // never read: the client's preface stays unsent
			wantStatus(t, wait(), wire.DeadlineExceeded)
			if got := time.Since(start); got != timeout {
				t.Errorf("failed after %v, want at the %v deadline", got, timeout)
			}
		})
	})
}

// TestDeadlineAlreadyPassed: a call whose context has expired fails at once
// with DEADLINE_EXCEEDED and sends nothing.
func TestDeadlineAlreadyPassed(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		dialed := false
		cc := testsvc.Dial(t, "pipe:0", client.WithDialer(func(context.Context, string) (net.Conn, error) {
			dialed = true
			return nil, errors.New("no dial expected")
		}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		time.Sleep(time.Millisecond)
		_, err := echo(ctx, cc, "x")
		wantStatus(t, err, wire.DeadlineExceeded)
		if dialed {
			t.Error("an expired call dialled the server")
		}
	})
}
