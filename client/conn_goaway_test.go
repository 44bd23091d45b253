package client_test

import (
	"context"
	"io"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// expectUnary expects a unary request on stream id and returns its value.
func expectUnary(t *testing.T, p *h2test.Peer, id uint32) string {
	t.Helper()
	h := p.ExpectHeaders(id, false)
	if got := h.Get(":path"); got != testsvc.EchoPath {
		t.Errorf("stream %d: :path %q", id, got)
	}
	m, end := p.ExpectGRPCMessage(id)
	if !end {
		p.ExpectData(id) // the half-close may come in its own frame
	}
	var v wrapperspb.StringValue
	testsvc.Unmarshal(t, m.Data, &v)
	return v.Value
}

// answerUnary answers the unary call on stream id with value.
func answerUnary(t *testing.T, p *h2test.Peer, id uint32, value string) {
	t.Helper()
	p.WriteGRPCResponseHeaders(id)
	p.WriteGRPCMessage(id, false, false, testsvc.Marshal(t, wrapperspb.String(value)))
	p.WriteGRPCTrailers(id, 0, "")
}

// TestGoAwayRetriesUnprocessedCalls pins RFC 9113 §6.8 on the client: after
// GOAWAY, streams at or below its last stream id go on to finish; streams
// above it "were not processed" and the call is sent again, transparently,
// on a new connection; and new calls go to the new connection. The retry
// happens once: a call refused again fails with UNAVAILABLE.
func TestGoAwayRetriesUnprocessedCalls(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	rs := testsvc.ListenRaw(t)
	cc := testsvc.Dial(t, rs.Addr)
	ctx := context.Background()
	call := func(v string) func() error {
		return testsvc.Go(t, func() error {
			got, err := echo(ctx, cc, v)
			if err == nil && got != "re:"+v {
				t.Errorf("call %q answered %q", v, got)
			}
			return err
		})
	}

	waitA := call("a")
	p1 := rs.Accept()
	if v := expectUnary(t, p1, 1); v != "a" {
		t.Fatalf("stream 1 carries %q", v)
	}
	waitB := call("b")
	expectUnary(t, p1, 3)
	p1.WriteGoAway(1, http2.ErrCodeNo, nil)

	// b was above the last stream id: sent again on a new connection.
	p2 := rs.Accept()
	if v := expectUnary(t, p2, 1); v != "b" {
		t.Fatalf("the retried call carries %q, want b", v)
	}
	answerUnary(t, p2, 1, "re:b")
	if err := waitB(); err != nil {
		t.Fatalf("the call above GOAWAY's last stream id: %v", err)
	}

	// a was at the last stream id: it finishes on the old connection, which
	// the client then closes.
	answerUnary(t, p1, 1, "re:a")
	if err := waitA(); err != nil {
		t.Fatalf("the call below GOAWAY's last stream id: %v", err)
	}
	p1.ExpectClosed(http2.FrameRSTStream)

	// A new call goes to the new connection.
	waitC := call("c")
	if v := expectUnary(t, p2, 3); v != "c" {
		t.Fatalf("new call on the new connection carries %q", v)
	}
	answerUnary(t, p2, 3, "re:c")
	if err := waitC(); err != nil {
		t.Fatal(err)
	}

	// Refused twice: UNAVAILABLE.
	waitD := call("d")
	expectUnary(t, p2, 5)
	p2.WriteGoAway(3, http2.ErrCodeNo, nil)
	p3 := rs.Accept()
	expectUnary(t, p3, 1)
	p3.WriteGoAway(0, http2.ErrCodeNo, nil)
	wantStatus(t, waitD(), wire.Unavailable, "GOAWAY")
}

// TestGoAwayReplaysStreamingCalls: a streaming call that the server never
// processed is sent again on a new connection with every message it had
// sent and its half-close, so the application sees nothing of it; a
// server-streaming call likewise.
func TestGoAwayReplaysStreamingCalls(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	rs := testsvc.ListenRaw(t)
	cc := testsvc.Dial(t, rs.Addr)
	ctx := context.Background()
	wait := testsvc.Go(t, func() []string {
		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		for _, v := range []string{"x", "y"} {
			if err := bs.Send(wrapperspb.String(v)); err != nil {
				return []string{"error: " + err.Error()}
			}
		}
		bs.CloseSend()
		var got []string
		for {
			m, err := bs.Recv()
			if err == io.EOF {
				return got
			}
			if err != nil {
				return append(got, "error: "+err.Error())
			}
			got = append(got, m.Value)
		}
	})
	p1 := rs.Accept()
	p1.ExpectHeaders(1, false)
	p1.ExpectGRPCMessages(1, 2)
	p1.WriteGoAway(0, http2.ErrCodeNo, nil)

	p2 := rs.Accept()
	if got := p2.ExpectHeaders(1, false).Get(":path"); got != testsvc.ChatPath {
		t.Errorf("the replayed call's :path %q", got)
	}
	msgs, ended := p2.ExpectGRPCMessages(1, 2)
	if !ended {
		p2.ExpectData(1)
	}
	for i, want := range []string{"x", "y"} {
		var v wrapperspb.StringValue
		testsvc.Unmarshal(t, msgs[i].Data, &v)
		if v.Value != want {
			t.Errorf("replayed message %d is %q, want %q", i, v.Value, want)
		}
	}
	p2.WriteGRPCResponseHeaders(1)
	p2.WriteGRPCMessage(1, false, false, testsvc.Marshal(t, wrapperspb.String("x")))
	p2.WriteGRPCMessage(1, false, false, testsvc.Marshal(t, wrapperspb.String("y")))
	p2.WriteGRPCTrailers(1, 0, "")
	if got := wait(); len(got) != 2 || got[0] != "x" || got[1] != "y" {
		t.Errorf("the call received %q, want [x y]", got)
	}

	// Server streaming, refused with REFUSED_STREAM: sent again on the
	// same connection.
	waitCount := testsvc.Go(t, func() []int32 {
		var got []int32
		for m, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(2)) {
			if err != nil {
				t.Errorf("server-streaming call: %v", err)
				break
			}
			got = append(got, m.Value)
		}
		return got
	})
	p2.ExpectHeaders(3, false)
	if _, end := p2.ExpectGRPCMessage(3); !end {
		p2.ExpectData(3)
	}
	p2.WriteRST(3, http2.ErrCodeRefusedStream)
	p2.ExpectHeaders(5, false)
	m, end := p2.ExpectGRPCMessage(5)
	if !end {
		p2.ExpectData(5)
	}
	var n wrapperspb.Int32Value
	testsvc.Unmarshal(t, m.Data, &n)
	if n.Value != 2 {
		t.Errorf("the replayed request is %d, want 2", n.Value)
	}
	p2.WriteGRPCResponseHeaders(5)
	p2.WriteGRPCMessage(5, false, false, testsvc.Marshal(t, wrapperspb.Int32(0)))
	p2.WriteGRPCMessage(5, false, false, testsvc.Marshal(t, wrapperspb.Int32(1)))
	p2.WriteGRPCTrailers(5, 0, "")
	if got := waitCount(); len(got) != 2 {
		t.Errorf("server-streaming call received %v", got)
	}
}
