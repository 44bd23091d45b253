package client_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/server"
)

// The client's streaming hot paths over loopback TCP against grpcwire's own
// server: receiving a stream of small messages, sending one, and a
// ping-pong. Per message figures include the server's share; the
// side-by-side comparison with grpc-go is conformance/bench.
//
//	go test -run '^$' -bench Stream -benchmem ./client

const (
	benchStreamPath  = "/grpcwire.bench.Bench/ServerStream"
	benchCollectPath = "/grpcwire.bench.Bench/ClientStream"
	benchPingPath    = "/grpcwire.bench.Bench/Bidi"
	benchLargePath   = "/grpcwire.bench.Bench/ServerStreamLarge"
	// benchLargeSize is the large message of the workloads.
	benchLargeSize = 1 << 20
	// benchMsgSize is the small message of the workloads.
	benchMsgSize = 100
	// benchStreamLen is how many messages one streaming call carries.
	benchStreamLen = 1000
)

// benchDial starts a server with the three streaming methods on loopback
// and returns a ready client Conn to it.
func benchDial(b *testing.B) *client.Conn {
	b.Helper()
	payload := &wrapperspb.BytesValue{Value: make([]byte, benchMsgSize)}
	large := &wrapperspb.BytesValue{Value: make([]byte, benchLargeSize)}
	srv := server.New()
	srv.Register(&server.ServiceDesc{Name: "grpcwire.bench.Bench", Methods: []server.MethodDesc{
		server.ServerStreamingMethod("ServerStream", func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.BytesValue]) error {
			for range in.GetValue() {
				if err := st.Send(payload); err != nil {
					return err
				}
			}
			return nil
		}),
		server.ServerStreamingMethod("ServerStreamLarge", func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.BytesValue]) error {
			for range in.GetValue() {
				if err := st.Send(large); err != nil {
					return err
				}
			}
			return nil
		}),
		server.ClientStreamingMethod("ClientStream", func(st server.ClientStreamingServer[wrapperspb.BytesValue, wrapperspb.Int32Value]) error {
			var n int32
			for {
				if _, err := st.Recv(); err == io.EOF {
					return st.SendAndClose(wrapperspb.Int32(n))
				} else if err != nil {
					return err
				}
				n++
			}
		}),
		server.BidiStreamingMethod("Bidi", func(st server.BidiStreamingServer[wrapperspb.BytesValue, wrapperspb.BytesValue]) error {
			for {
				m, err := st.Recv()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if err := st.Send(m); err != nil {
					return err
				}
			}
		}),
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	b.Cleanup(func() { srv.Stop(); <-done })
	cc, err := client.Dial(ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cc.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	return cc
}

// BenchmarkServerStream receives benchStreamLen messages of 100 B per
// call; one op is one message.
func BenchmarkServerStream(b *testing.B) {
	cc := benchDial(b)
	req := wrapperspb.Int32(benchStreamLen)
	ctx := context.Background()
	b.SetBytes(benchMsgSize)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n == 0 {
			got := 0
			for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.BytesValue](ctx, cc, benchStreamPath, req) {
				if err != nil {
					b.Fatal(err)
				}
				got++
			}
			if got != benchStreamLen {
				b.Fatalf("%d messages, want %d", got, benchStreamLen)
			}
			n = benchStreamLen
		}
		n--
	}
}

// BenchmarkServerStreamLarge receives 64 messages of 1 MiB per call, the
// harness's sstream-1MiB-x64; one op is one message.
func BenchmarkServerStreamLarge(b *testing.B) {
	cc := benchDial(b)
	const perCall = 64
	req := wrapperspb.Int32(perCall)
	ctx := context.Background()
	b.SetBytes(benchLargeSize)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n == 0 {
			got := 0
			for m, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.BytesValue](ctx, cc, benchLargePath, req) {
				if err != nil {
					b.Fatal(err)
				}
				if len(m.GetValue()) != benchLargeSize {
					b.Fatalf("a message of %d bytes, want %d", len(m.GetValue()), benchLargeSize)
				}
				got++
			}
			if got != perCall {
				b.Fatalf("%d messages, want %d", got, perCall)
			}
			n = perCall
		}
		n--
	}
}

// BenchmarkClientStream sends benchStreamLen messages of 100 B per call;
// one op is one message.
func BenchmarkClientStream(b *testing.B) {
	cc := benchDial(b)
	req := &wrapperspb.BytesValue{Value: make([]byte, benchMsgSize)}
	ctx := context.Background()
	b.SetBytes(benchMsgSize)
	b.ReportAllocs()
	var st *client.ClientStreamClient[wrapperspb.BytesValue, wrapperspb.Int32Value]
	sent := 0
	finish := func() {
		res, err := st.CloseAndRecv()
		if err != nil {
			b.Fatal(err)
		}
		if int(res.GetValue()) != sent {
			b.Fatalf("the server counted %d messages, want %d", res.GetValue(), sent)
		}
		st, sent = nil, 0
	}
	for b.Loop() {
		if st == nil {
			var err error
			if st, err = client.NewClientStream[wrapperspb.BytesValue, wrapperspb.Int32Value](ctx, cc, benchCollectPath); err != nil {
				b.Fatal(err)
			}
		}
		if err := st.Send(req); err != nil {
			b.Fatal(err)
		}
		if sent++; sent == benchStreamLen {
			finish()
		}
	}
	if st != nil {
		finish()
	}
}

// BenchmarkBidiPingPong sends a 100 B message and waits for its echo on one
// stream; one op is one round trip.
func BenchmarkBidiPingPong(b *testing.B) {
	cc := benchDial(b)
	req := &wrapperspb.BytesValue{Value: make([]byte, benchMsgSize)}
	st, err := client.NewBidiStream[wrapperspb.BytesValue, wrapperspb.BytesValue](context.Background(), cc, benchPingPath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchMsgSize)
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Send(req); err != nil {
			b.Fatal(err)
		}
		if _, err := st.Recv(); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.CloseSend(); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Recv(); err != io.EOF {
		b.Fatalf("after the half-close: %v, want io.EOF", err)
	}
}
