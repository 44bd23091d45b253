package client_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestRecvRawMsg: a caller gets each response's protobuf encoding, into the
// buffer it passes, then io.EOF after the last; a failed call's status
// comes from RecvRawMsg as from RecvMsg; a call that takes one response
// reads on to its end.
func TestRecvRawMsg(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, addr := testsvc.Start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if in.GetValue() == "fail" {
				return nil, wire.Errorf(wire.PermissionDenied, "no")
			}
			return in, nil
		},
	}, server.MaxConcurrentStreams(10))
	cc := testsvc.Dial(t, addr)
	ctx := context.Background()

	cs, err := cc.NewStream(ctx, &client.StreamDesc{ServerStreams: true}, testsvc.CountPath)
	if err != nil {
		t.Fatal(err)
	}
	cs.SendMsg(wrapperspb.Int32(5))
	cs.CloseSend()
	buf := make([]byte, 0, 64)
	for i := range int32(5) {
		msg, err := cs.(*client.Stream).RecvRawMsg(buf)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		want, _ := proto.Marshal(wrapperspb.Int32(i))
		if !bytes.Equal(msg, want) {
			t.Errorf("message %d: %x, want %x", i, msg, want)
		}
		if len(msg) > 0 && &msg[0] != &buf[:1][0] {
			t.Errorf("message %d was not read into the buffer passed", i)
		}
	}
	if _, err := cs.(*client.Stream).RecvRawMsg(buf); err != io.EOF {
		t.Errorf("after the last message: %v, want io.EOF", err)
	}

	for _, tc := range []struct {
		value string
		code  wire.Code
	}{{"hello", wire.OK}, {"fail", wire.PermissionDenied}} {
		cs, err := cc.NewStream(ctx, &client.StreamDesc{}, testsvc.EchoPath)
		if err != nil {
			t.Fatal(err)
		}
		cs.SendMsg(wrapperspb.String(tc.value))
		cs.CloseSend()
		msg, err := cs.(*client.Stream).RecvRawMsg(nil)
		if wire.CodeOf(err) != tc.code {
			t.Fatalf("Echo(%q): %v, want %v", tc.value, err, tc.code)
		}
		if err != nil {
			continue
		}
		var got wrapperspb.StringValue
		if err := proto.Unmarshal(msg, &got); err != nil || got.GetValue() != tc.value {
			t.Errorf("Echo(%q) answered %v, %v", tc.value, &got, err)
		}
		if md := cs.Trailer(); md == nil {
			t.Errorf("Echo(%q): no trailers after the one response was read", tc.value)
		}
	}
}
