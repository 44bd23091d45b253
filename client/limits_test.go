package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestMessageSizeLimits pins the four limits, each failing the call with
// RESOURCE_EXHAUSTED that names the limit, on the side whose limit it is:
// the client's own limits fail the call locally, naming the option that
// raises them; the server's come back as its status, naming no Go API (the
// server's log has the option: server/limits_test.go).
func TestMessageSizeLimits(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const limit = 100
	big := strings.Repeat("b", 2*limit)
	bigSize := proto.Size(wrapperspb.String(big))
	var calls atomic.Int32
	svc := &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			calls.Add(1)
			if in.Value == "want big" {
				return wrapperspb.String(big), nil
			}
			return in, nil
		},
	}
	_, limited := testsvc.Start(t, svc, server.MaxRecvMsgSize(limit), server.MaxSendMsgSize(limit))
	_, open := testsvc.Start(t, svc)
	ccLimited := testsvc.Dial(t, limited)
	ccOpen := testsvc.Dial(t, open)
	ccDialLimited := testsvc.Dial(t, open, client.WithMaxRecvMsgSize(limit), client.WithMaxSendMsgSize(limit))
	ctx := context.Background()

	tests := []struct {
		name   string
		cc     *client.Conn
		req    string
		opts   []client.CallOption
		remote bool
		option string
		sent   bool // whether the call reached the handler
	}{
		{"client.MaxSendMsgSize", ccOpen, big, []client.CallOption{client.MaxSendMsgSize(limit)}, false, "client.MaxSendMsgSize", false},
		{"client.WithMaxSendMsgSize", ccDialLimited, big, nil, false, "client.MaxSendMsgSize", false},
		{"client.MaxRecvMsgSize", ccOpen, "want big", []client.CallOption{client.MaxRecvMsgSize(limit)}, false, "client.MaxRecvMsgSize", true},
		{"client.WithMaxRecvMsgSize", ccDialLimited, "want big", nil, false, "client.MaxRecvMsgSize", true},
		{"server.MaxRecvMsgSize", ccLimited, big, nil, true, "the server's max receive size", false},
		{"server.MaxSendMsgSize", ccLimited, "want big", nil, true, "the server's max send size", true},
		{"server.MaxRecvMsgSize compressed", ccLimited, big, []client.CallOption{client.UseCompressor("gzip")}, true, "the server's max receive size", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls.Load()
			_, err := echo(ctx, tt.cc, tt.req, tt.opts...)
			st := wantStatus(t, err, wire.ResourceExhausted, fmt.Sprint(limit), tt.option)
			if st.Remote != tt.remote {
				t.Errorf("status Remote = %v, want %v", st.Remote, tt.remote)
			}
			if st.Remote && strings.Contains(st.Message, "server.") {
				t.Errorf("the server's status %q names a Go API, which its client cannot act on", st.Message)
			}
			if reached := calls.Load() > before; reached != tt.sent {
				t.Errorf("handler reached: %v, want %v", reached, tt.sent)
			}
		})
	}
	// At the limit is allowed, both ways.
	atLimit := strings.Repeat("a", limit-2) // StringValue adds a tag and a length byte
	if proto.Size(wrapperspb.String(atLimit)) != limit || bigSize <= limit {
		t.Fatal("test messages are not sized as intended")
	}
	if got, err := echo(ctx, ccLimited, atLimit); err != nil || got != atLimit {
		t.Errorf("a message of exactly the limit failed: %v", err)
	}
	if got, err := echo(ctx, ccDialLimited, atLimit); err != nil || got != atLimit {
		t.Errorf("a message of exactly the client's limit failed: %v", err)
	}
}

// TestDecompressedSizeLimit: the receive limit holds for the decompressed
// size too, so a small compressed message cannot expand past it (a gzip
// bomb), both on the server and on the client.
func TestDecompressedSizeLimit(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const limit = 64 << 10
	zeros := strings.Repeat("\x00", 1<<20) // compresses to about 1 KiB
	svc := &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			server.SetSendCompressor(ctx, "gzip")
			return wrapperspb.String(zeros), nil
		},
	}
	_, addr := testsvc.Start(t, svc, server.MaxRecvMsgSize(limit))
	cc := testsvc.Dial(t, addr)
	_, err := echo(context.Background(), cc, zeros, client.UseCompressor("gzip"))
	if st := wantStatus(t, err, wire.ResourceExhausted, fmt.Sprint(limit)); !st.Remote {
		t.Error("the server's limit did not fail the call on the server")
	}
	_, err = echo(context.Background(), cc, "small", client.MaxRecvMsgSize(limit))
	if st := wantStatus(t, err, wire.ResourceExhausted, fmt.Sprint(limit)); st.Remote {
		t.Error("the client's limit failed the call on the server")
	}
}

// TestLargeMessagesBidi: 8 MiB messages both ways on one bidi stream, sent
// and received by two goroutines, arrive intact (flow control, frame
// splitting and reassembly across many DATA frames).
func TestLargeMessagesBidi(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const size, count = 8 << 20, 2
	_, addr := testsvc.Start(t, nil, server.MaxRecvMsgSize(size+16))
	cc := testsvc.Dial(t, addr, client.WithMaxRecvMsgSize(size+16))
	bs, err := client.NewBidiStream[wrapperspb.BytesValue, wrapperspb.BytesValue](context.Background(), cc, testsvc.BulkPath)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([][]byte, count)
	rng := rand.NewChaCha8([32]byte{'g', 'r', 'p', 'c'})
	for i := range msgs {
		msgs[i] = make([]byte, size)
		rng.Read(msgs[i])
	}
	sent := testsvc.Go(t, func() error {
		for _, m := range msgs {
			if err := bs.Send(wrapperspb.Bytes(m)); err != nil {
				return err
			}
		}
		return bs.CloseSend()
	})
	for i, want := range msgs {
		got, err := bs.Recv()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(got.Value, want) {
			t.Fatalf("message %d: %d bytes arrived different from the %d sent", i, len(got.Value), len(want))
		}
	}
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if err := sent(); err != nil {
		t.Fatal(err)
	}
}
