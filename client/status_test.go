package client_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// failingService answers every call kind with the status carried by the
// request's value: the Echo request is the message, and the handler fails
// with code. Streaming handlers fail after sending one message, so the
// status comes in trailers rather than Trailers-Only.
func failingService(st func(msg string) *wire.Status) *testsvc.Service {
	return &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return nil, st(in.Value)
		},
		Chat: func(s server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			in, err := s.Recv()
			if err != nil {
				return err
			}
			if err := s.Send(in); err != nil {
				return err
			}
			return st(in.Value)
		},
	}
}

// TestStatusMessagesRoundTrip: a handler's status message reaches the client
// exactly, whatever its characters: grpc-message is percent-encoded on the
// wire ("Status-Message → Percent-Encoded") and decoded on arrival, in
// Trailers-Only responses and in trailers after messages.
func TestStatusMessagesRoundTrip(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, failingService(func(msg string) *wire.Status {
		return wire.NewStatus(wire.FailedPrecondition, msg)
	}))
	ctx := context.Background()
	for _, msg := range []string{
		"plain",
		"\t\r\n",
		"☺",
		"😈",
		"100% sure: %41 is not A",
		"mixed: ☺ \x00 \x7f é\tend",
		" leading and trailing spaces ",
	} {
		_, err := echo(ctx, cc, msg)
		st := wantStatus(t, err, wire.FailedPrecondition)
		if st.Message != msg {
			t.Errorf("unary: message %q arrived as %q", msg, st.Message)
		}
		if !st.Remote {
			t.Errorf("unary: status of %q not marked Remote", msg)
		}

		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
		if err != nil {
			t.Fatal(err)
		}
		bs.Send(wrapperspb.String(msg))
		if _, err := bs.Recv(); err != nil {
			t.Fatalf("first message: %v", err)
		}
		_, err = bs.Recv()
		if st := wantStatus(t, err, wire.FailedPrecondition); st.Message != msg {
			t.Errorf("bidi: message %q arrived as %q", msg, st.Message)
		}
	}
}

// TestStatusDetails: details attached with WithDetails travel in
// grpc-status-details-bin and come back as the same messages, found with
// errors.As on the call's error.
func TestStatusDetails(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	details := []proto.Message{wrapperspb.String("field `name` is required"), durationpb.New(1500000000)}
	cc := start(t, failingService(func(msg string) *wire.Status {
		st, err := wire.NewStatus(wire.InvalidArgument, msg).WithDetails(details...)
		if err != nil {
			panic(err)
		}
		return st
	}))
	ctx := context.Background()
	_, err := echo(ctx, cc, "bad request ☺")
	var st *wire.Status
	if !errors.As(err, &st) {
		t.Fatalf("error %v (%T) is not a *wire.Status", err, err)
	}
	if st.Code != wire.InvalidArgument || st.Message != "bad request ☺" {
		t.Errorf("status %v %q, want INVALID_ARGUMENT %q", st.Code, st.Message, "bad request ☺")
	}
	if len(st.Details) != len(details) {
		t.Fatalf("%d details arrived, want %d", len(st.Details), len(details))
	}
	for i, want := range details {
		got, err := st.Details[i].UnmarshalNew()
		if err != nil {
			t.Fatalf("detail %d: %v", i, err)
		}
		if !proto.Equal(got, want) {
			t.Errorf("detail %d = %v, want %v", i, got, want)
		}
	}
}

// TestStatusCodesRoundTrip: every code a handler returns reaches the client
// as itself, with the message, for Trailers-Only responses.
func TestStatusCodesRoundTrip(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	// The handler learns the code through an atomic: a loopback socket is
	// no synchronization the race detector can see.
	var want atomic.Uint32
	cc := start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			code := wire.Code(want.Load())
			return nil, wire.Errorf(code, "code %d", code)
		},
	})
	for code := wire.Canceled; code <= wire.Unauthenticated; code++ {
		want.Store(uint32(code))
		_, err := echo(context.Background(), cc, "x")
		if st := wantStatus(t, err, code); st.Message != "code "+strconv.Itoa(int(code)) {
			t.Errorf("code %v: message %q", code, st.Message)
		}
	}
}

// TestHandlerPlainErrorIsUnknown: an error that is not a status becomes
// UNKNOWN ("Server side application throws an exception", statuscodes.md),
// with its text as the message.
func TestHandlerPlainErrorIsUnknown(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return nil, errors.New("disk full")
		},
	})
	_, err := echo(context.Background(), cc, "x")
	wantStatus(t, err, wire.Unknown, "disk full")
}
