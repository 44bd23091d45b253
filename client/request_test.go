package client_test

import (
	"context"
	"regexp"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// userAgentForm is the user-agent form grpc/grpc doc/PROTOCOL-HTTP2.md
// recommends, "grpc-<language>-<variant>/<version>", with the application's
// own product tokens allowed before it.
var userAgentForm = regexp.MustCompile(`^(\S+ )*grpc-go-grpcwire/[0-9]+\.[0-9]+\.[0-9]+$`)

// TestRequestHeaders pins the Request-Headers our client sends:
// "Request-Headers → Call-Definition *Custom-Metadata", pseudo-headers first
// (RFC 9113 §8.3), :method POST, :scheme http without TLS, :path, the
// target as :authority, te trailers, content-type application/grpc, a
// structured user-agent, the encodings it accepts, and no grpc-timeout when
// the call has no deadline.
func TestRequestHeaders(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	tests := []struct {
		name      string
		opts      []client.Option
		ua        string
		authority string // "" for the target
	}{
		{"default", nil, wire.UserAgent, ""},
		{"WithUserAgent", []client.Option{client.WithUserAgent("myapp/1.2")}, "myapp/1.2 " + wire.UserAgent, ""},
		{"WithAuthority", []client.Option{client.WithAuthority("api.example.com:443")}, wire.UserAgent, "api.example.com:443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			rs := testsvc.ListenRaw(t)
			cc := testsvc.Dial(t, rs.Addr, tt.opts...)
			wait := testsvc.Go(t, func() error {
				_, err := echo(context.Background(), cc, "hi", client.WithMetadata(wire.NewMetadata("x-custom", "v")))
				return err
			})
			p := rs.Accept()
			h := p.ExpectHeaders(1, false)
			authority := tt.authority
			if authority == "" {
				authority = rs.Addr
			}
			names := h.Names()
			if got, want := names[:4], []string{":method", ":scheme", ":path", ":authority"}; !slices.Equal(got, want) {
				t.Errorf("request starts with %q, want the pseudo-headers %q", got, want)
			}
			for _, f := range []struct{ name, want string }{
				{":method", "POST"}, {":scheme", "http"}, {":path", testsvc.EchoPath}, {":authority", authority},
				{"te", "trailers"}, {"content-type", "application/grpc"}, {"user-agent", tt.ua},
				{"grpc-accept-encoding", "gzip"}, {"x-custom", "v"},
			} {
				if got := h.Get(f.name); got != f.want {
					t.Errorf("%s = %q, want %q", f.name, got, f.want)
				}
			}
			if ua := h.Get("user-agent"); !userAgentForm.MatchString(ua) {
				t.Errorf("user-agent %q is not of the form grpc-go-grpcwire/x.y.z", ua)
			}
			for _, absent := range []string{"grpc-timeout", "grpc-encoding"} {
				if h.Has(absent) {
					t.Errorf("request has %s %q; the call has no deadline and no compressor", absent, h.Get(absent))
				}
			}
			m, end := p.ExpectGRPCMessage(1)
			if !end {
				t.Error("a unary request's message does not half-close the stream")
			}
			var req wrapperspb.StringValue
			testsvc.Unmarshal(t, m.Data, &req)
			if req.Value != "hi" {
				t.Errorf("request message %q, want %q", req.Value, "hi")
			}
			p.WriteGRPCResponseHeaders(1)
			p.WriteGRPCMessage(1, false, false, m.Data)
			p.WriteGRPCTrailers(1, 0, "")
			if err := wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// pipeServer accepts the next connection of ln inside a synctest bubble and
// returns a scripted server on it that has completed the handshake.
func pipeServer(t *testing.T, ln *testsvc.PipeListener) *h2test.Peer {
	t.Helper()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	p := h2test.NewServer(t, nc)
	p.Handshake()
	return p
}

// TestGRPCTimeoutFromDeadline pins "grpc-timeout encoded in the finest unit
// that fits, rounded up": with the clock stopped (synctest), the time left
// is exactly what the test chose, and the header must never promise the
// server less time than that.
func TestGRPCTimeoutFromDeadline(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	tests := []struct {
		left time.Duration
		want string
	}{
		{50 * time.Millisecond, "50000000n"},
		{1500*time.Millisecond + 1, "1500001u"}, // 1500000001n has 10 digits; 1500000u would be short by 1ns
		{100 * time.Second, "100000m"},
		{99999999 * time.Millisecond, "99999999m"},
		{100 * time.Hour, "360000S"},
		{1000*time.Hour + 1, "3600001S"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				ln := testsvc.NewPipeListener()
				cc := testsvc.Dial(t, "pipe:0", client.WithDialer(ln.Dial))
				ctx, cancel := context.WithTimeout(context.Background(), tt.left)
				defer cancel()
				wait := testsvc.Go(t, func() error {
					_, err := echo(ctx, cc, "x")
					return err
				})
				p := pipeServer(t, ln)
				h := p.ExpectHeaders(1, false)
				got := h.Get("grpc-timeout")
				if got != tt.want {
					t.Errorf("grpc-timeout = %q for %v left, want %q", got, tt.left, tt.want)
				}
				if d, err := wire.ParseTimeout(got); err != nil || d < tt.left {
					t.Errorf("grpc-timeout %q parses to %v (%v): less than the %v left", got, d, err, tt.left)
				}
				p.ExpectGRPCMessage(1)
				p.WriteGRPCTrailersOnly(1, int(wire.Aborted), "done")
				wait()
			})
		})
	}
}

// TestCancelSendsRSTCancel pins "Client cancellation is performed by the
// client sending RST_STREAM with CANCEL error code" (PROTOCOL-HTTP2.md),
// for a unary call waiting for its response and for a stream, and that the
// call fails with CANCELLED.
func TestCancelSendsRSTCancel(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	rs := testsvc.ListenRaw(t)
	cc := testsvc.Dial(t, rs.Addr)

	ctx, cancel := context.WithCancel(context.Background())
	wait := testsvc.Go(t, func() error {
		_, err := echo(ctx, cc, "x")
		return err
	})
	p := rs.Accept()
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)
	cancel()
	p.ExpectRST(1, http2.ErrCodeCancel)
	wantStatus(t, wait(), wire.Canceled)

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Send(wrapperspb.String("a")); err != nil {
		t.Fatal(err)
	}
	p.ExpectHeaders(3, false)
	p.ExpectGRPCMessage(3)
	p.WriteGRPCResponseHeaders(3)
	recv := testsvc.Go(t, func() error {
		_, err := bs.Recv()
		return err
	})
	cancel()
	p.ExpectRST(3, http2.ErrCodeCancel)
	wantStatus(t, recv(), wire.Canceled)
}
