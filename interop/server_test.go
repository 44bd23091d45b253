package interop_test

import (
	"context"
	"io"
	"testing"
	"time"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/interop"
	pb "grpcwire/interop/grpc_testing"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestServerFeatures checks the TestServer features no interop case uses:
// HalfDuplexCall, interval_us pacing, server_id, and the answers to
// requests it cannot serve.
func TestServerFeatures(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := start(t, func(s *server.Server) { (&interop.TestServer{ServerID: "srv-1"}).Register(s) })
	_, cc := dialer(t, addr)
	tc := pb.NewTestServiceClient(cc)
	ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
	defer cancel()

	t.Run("HalfDuplexCall answers after the half-close", func(t *testing.T) {
		stream, err := tc.HalfDuplexCall(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int32{3, 5} {
			if err := stream.Send(&pb.StreamingOutputCallRequest{ResponseParameters: []*pb.ResponseParameters{{Size: size}, {Size: size + 1}}}); err != nil {
				t.Fatal(err)
			}
		}
		// Nothing may come before the half-close: the response headers
		// are the first thing the server sends.
		hdr := make(chan error, 1)
		go func() { _, err := stream.Header(); hdr <- err }()
		select {
		case err := <-hdr:
			t.Fatalf("the server answered (%v) before the client half-closed", err)
		case <-time.After(50 * time.Millisecond):
		}
		stream.CloseSend()
		if err := <-hdr; err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for {
			res, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(res.GetPayload().GetBody()))
		}
		if want := []int{3, 4, 5, 6}; !equal(sizes, want) {
			t.Fatalf("response sizes %v; want %v", sizes, want)
		}
	})

	t.Run("interval_us accumulates", func(t *testing.T) {
		const interval = 30 * time.Millisecond
		start := time.Now()
		n := 0
		for _, err := range tc.StreamingOutputCall(ctx, &pb.StreamingOutputCallRequest{ResponseParameters: []*pb.ResponseParameters{
			{Size: 1, IntervalUs: int32(interval / time.Microsecond)},
			{Size: 1, IntervalUs: int32(interval / time.Microsecond)},
		}}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if took := time.Since(start); n != 2 || took < 2*interval {
			t.Fatalf("%d responses in %v; want 2 in at least %v", n, took, 2*interval)
		}
	})

	t.Run("server_id", func(t *testing.T) {
		res, err := tc.UnaryCall(ctx, &pb.SimpleRequest{FillServerId: true})
		if err != nil || res.GetServerId() != "srv-1" {
			t.Fatalf("UnaryCall = %v, %v; want server_id srv-1", res, err)
		}
	})

	for name, req := range map[string]*pb.SimpleRequest{
		"unknown response_type": {ResponseType: pb.PayloadType(7), ResponseSize: 1},
		"negative size":         {ResponseSize: -1},
		"claims compression":    {ExpectCompressed: &pb.BoolValue{Value: true}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.UnaryCall(ctx, req); wire.CodeOf(err) != wire.InvalidArgument {
				t.Fatalf("UnaryCall = %v; want INVALID_ARGUMENT", err)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
