package client_test

import (
	"context"
	"io"
	"slices"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// countingStream wraps a ClientStream to count the messages through it.
type countingStream struct {
	client.ClientStream
	sent, recv *int
}

func (s *countingStream) SendMsg(m proto.Message) error {
	*s.sent++
	return s.ClientStream.SendMsg(m)
}

func (s *countingStream) RecvMsg(m proto.Message) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		*s.recv++
	}
	return err
}

// TestClientInterceptors: unary and stream interceptors run around every
// call in order, the first outermost; they see the method, may add call
// options (metadata here) and replace the outcome, and a stream interceptor
// may wrap the stream.
func TestClientInterceptors(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var mu sync.Mutex
	var events []string
	note := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	unary := func(name string) client.UnaryInterceptor {
		return func(ctx context.Context, method string, req, res proto.Message, invoker client.UnaryInvoker, opts ...client.CallOption) error {
			note(name + " before " + method)
			opts = append(opts, client.WithMetadata(wire.NewMetadata("mirror-"+name, "1")))
			err := invoker(ctx, method, req, res, opts...)
			note(name + " after")
			if req.(*wrapperspb.StringValue).Value == "replace" {
				return wire.Errorf(wire.Aborted, "replaced by %s", name)
			}
			return err
		}
	}
	var sent, recv int
	stream := func(ctx context.Context, desc *client.StreamDesc, method string, streamer client.Streamer, opts ...client.CallOption) (client.ClientStream, error) {
		note("stream " + method)
		cs, err := streamer(ctx, desc, method, append(opts, client.WithMetadata(wire.NewMetadata("mirror-stream", "1")))...)
		if err != nil {
			return nil, err
		}
		return &countingStream{cs, &sent, &recv}, nil
	}
	cc := start(t, nil, client.WithUnaryInterceptor(unary("outer"), unary("inner")), client.WithStreamInterceptor(stream))
	ctx := context.Background()

	var header wire.Metadata
	if _, err := echo(ctx, cc, "x", client.Header(&header)); err != nil {
		t.Fatal(err)
	}
	want := []string{"outer before " + testsvc.EchoPath, "inner before " + testsvc.EchoPath, "inner after", "outer after"}
	if !slices.Equal(events, want) {
		t.Errorf("unary interceptors ran as %q, want %q", events, want)
	}
	for _, k := range []string{"mirror-outer", "mirror-inner"} {
		if header.Get(k) == nil {
			t.Errorf("metadata %s added by an interceptor did not reach the server (headers %v)", k, header)
		}
	}
	_, err := echo(ctx, cc, "replace")
	wantStatus(t, err, wire.Aborted, "replaced by outer")

	events = nil
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		bs.Send(wrapperspb.String(s))
		if _, err := bs.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	h, _ := bs.Header()
	bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	if !slices.Equal(events, []string{"stream " + testsvc.ChatPath}) {
		t.Errorf("stream interceptor events %q", events)
	}
	if sent != 2 || recv != 2 {
		t.Errorf("wrapped stream counted %d sent and %d received, want 2 and 2", sent, recv)
	}
	if h.Get("mirror-stream") == nil {
		t.Error("metadata added by the stream interceptor did not reach the server")
	}
	// The typed server-streaming helper goes through the interceptor too.
	events = nil
	for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(2)) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(events, []string{"stream " + testsvc.CountPath}) {
		t.Errorf("stream interceptor events %q", events)
	}
}
