package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// rawCollect is a Collect handler that receives its requests undecoded
// into one buffer: it answers, for each, whether the encoding was the
// protobuf encoding of the value sent and whether it landed in the buffer
// it passed.
func rawCollect(st server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
	buf := make([]byte, 0, 64<<10)
	var report []string
	for {
		msg, err := server.RecvRawMsg(st, buf)
		if err == io.EOF {
			return st.SendAndClose(wrapperspb.String(strings.Join(report, ",")))
		}
		if err != nil {
			return err
		}
		var v wrapperspb.StringValue
		if err := proto.Unmarshal(msg, &v); err != nil {
			return err
		}
		want, _ := proto.Marshal(&v)
		same := "copy"
		switch {
		case len(msg) == 0:
			same = "empty"
		case cap(buf) >= len(msg) && &msg[0] == &buf[:1][0]:
			same = "inbuf"
		}
		if !bytes.Equal(msg, want) {
			same = "different"
		}
		report = append(report, same)
		if cap(msg) > cap(buf) {
			buf = msg[:0]
		}
	}
}

// TestRecvRawMsg: a handler gets each request's protobuf encoding, read
// into the buffer it passes when it fits and into a new one otherwise,
// compressed messages decompressed, through the typed stream the stub
// gives it and through interceptors' wrappers that Unwrap.
func TestRecvRawMsg(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	wrap := server.ChainStreamInterceptor(func(ss server.ServerStream, info *server.CallInfo, h server.StreamHandler) error {
		return h(&unwrapping{ss})
	})
	for _, tc := range []struct {
		name string
		opts []server.Option
	}{{"typed stream", nil}, {"wrapped by an interceptor", []server.Option{wrap}}} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := testsvc.Start(t, &testsvc.Service{Collect: rawCollect}, tc.opts...)
			cc := testsvc.Dial(t, addr)
			for _, compress := range []bool{false, true} {
				var opts []client.CallOption
				if compress {
					opts = append(opts, client.UseCompressor("gzip"))
				}
				got := collect(t, cc, []string{"a", "", strings.Repeat("x", 100<<10), "b"}, opts...)
				// The 100 KiB message does not fit the 64 KiB buffer; the
				// next one lands in the larger buffer it came in.
				if want := "inbuf,empty,copy,inbuf"; got != want {
					t.Errorf("gzip %v: the handler reports %q, want %q", compress, got, want)
				}
			}
		})
	}
}

// unwrapping is an interceptor's wrapper that says what it wraps.
type unwrapping struct{ server.ServerStream }

func (u *unwrapping) Unwrap() server.ServerStream { return u.ServerStream }

// opaque is an interceptor's wrapper that hides what it wraps.
type opaque struct{ server.ServerStream }

// TestRecvRawMsgOpaqueWrapper: behind a wrapper that does not Unwrap, the
// handler gets INTERNAL saying so instead of a message.
func TestRecvRawMsgOpaqueWrapper(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	hide := server.ChainStreamInterceptor(func(ss server.ServerStream, info *server.CallInfo, h server.StreamHandler) error {
		return h(&opaque{ss})
	})
	_, addr := testsvc.Start(t, &testsvc.Service{Collect: rawCollect}, hide)
	cc := testsvc.Dial(t, addr)
	stream, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CollectPath)
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(wrapperspb.String("a"))
	_, err = stream.CloseAndRecv()
	if wire.CodeOf(err) != wire.Internal || !strings.Contains(err.Error(), "Unwrap") {
		t.Errorf("RecvRawMsg behind an opaque wrapper: %v, want INTERNAL naming Unwrap", err)
	}
}

// collect runs one Collect call with values and returns its answer.
func collect(t *testing.T, cc *client.Conn, values []string, opts ...client.CallOption) string {
	t.Helper()
	stream, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CollectPath, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if err := stream.Send(wrapperspb.String(v)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	return res.GetValue()
}

// TestRecvRawMsgEnforcesOneRequest: for a one-request method, RecvRawMsg
// reads on to the half-close as RecvMsg does: none or two requests are
// UNIMPLEMENTED, and after the one the next call is io.EOF.
func TestRecvRawMsgEnforcesOneRequest(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	second := make(chan error, 4)
	srv := server.New()
	srv.Register(&server.ServiceDesc{Name: "raw.Raw", Methods: []server.MethodDesc{
		server.StreamMethod("ServerStreaming", server.ServerStreaming, func(st server.ServerStream) error {
			msg, err := server.RecvRawMsg(st, nil)
			if err != nil {
				return err
			}
			_, err = server.RecvRawMsg(st, nil)
			second <- err
			var v wrapperspb.StringValue
			if err := proto.Unmarshal(msg, &v); err != nil {
				return err
			}
			return st.SendMsg(&v)
		}),
	}})
	p := testsvc.RawClient(t, testsvc.Serve(t, srv))
	p.Handshake()
	req := testsvc.Marshal(t, wrapperspb.String("x"))
	const path = "/raw.Raw/ServerStreaming"

	p.WriteGRPCRequestHeaders(1, path, false)
	p.WriteGRPCMessage(1, true, false, req)
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)
	p.ExpectGRPCStatus(1, 0)
	p.Settle(1, http2.ErrCodeNo)
	if err := <-second; !errors.Is(err, io.EOF) {
		t.Errorf("the second RecvRawMsg = %v, want io.EOF", err)
	}

	p.WriteGRPCRequestHeaders(3, path, true)
	if msg := checkTrailersOnly(t, p.ExpectHeaders(3, true), wire.Unimplemented); !strings.Contains(msg, "cardinality") {
		t.Errorf("without request: grpc-message %q", msg)
	}
	p.Settle(3, http2.ErrCodeNo)

	p.WriteGRPCRequestHeaders(5, path, false)
	p.WriteGRPCMessage(5, false, false, req)
	p.WriteGRPCMessage(5, true, false, req)
	if msg := checkTrailersOnly(t, p.ExpectHeaders(5, true), wire.Unimplemented); !strings.Contains(msg, "cardinality") {
		t.Errorf("with two requests: grpc-message %q", msg)
	}
	p.Settle(5, http2.ErrCodeNo)
}
