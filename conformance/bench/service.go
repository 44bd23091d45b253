package bench

import (
	"context"
	"io"

	"google.golang.org/grpc"

	"grpcwire/conformance/benchpb"
	"grpcwire/conformance/benchpb/benchgrpc"
	"grpcwire/server"
)

// The two implementations of the Bench service do the same minimal work, so
// that a difference measured is a difference of the libraries: each answer
// is one of a few preallocated messages (payloads cut from one shared
// buffer), requests are read and dropped, nothing is logged or counted.

// payloads holds the preallocated responses, one per size the workloads use;
// a request of another size gets a message allocated for it.
var payloads = func() []*benchpb.Payload {
	buf := make([]byte, maxPayload)
	for i := range buf {
		buf[i] = byte(i)
	}
	var ps []*benchpb.Payload
	for _, n := range []int{0, SmallSize, MediumSize, LargeSize} {
		ps = append(ps, &benchpb.Payload{Payload: buf[:n]})
	}
	return ps
}()

// response returns a message whose payload has n bytes. Sharing one message
// between concurrent calls is safe: both libraries only read it while
// marshalling, and protobuf keeps its size cache with atomic operations.
func response(n int) *benchpb.Payload {
	for _, p := range payloads {
		if len(p.Payload) == n {
			return p
		}
	}
	return &benchpb.Payload{Payload: make([]byte, n)}
}

// WireService is the Bench service on grpcwire's server.
type WireService struct {
	benchpb.UnimplementedBenchServer
}

var _ benchpb.BenchServer = WireService{}

// Unary answers with a payload as large as the request's.
func (WireService) Unary(_ context.Context, req *benchpb.Payload) (*benchpb.Payload, error) {
	return response(len(req.GetPayload())), nil
}

// ServerStream sends count payloads of size bytes.
func (WireService) ServerStream(req *benchpb.StreamRequest, st server.ServerStreamingServer[benchpb.Payload]) error {
	res := response(int(req.GetSize()))
	for range req.GetCount() {
		if err := st.Send(res); err != nil {
			return err
		}
	}
	return nil
}

// ClientStream reads payloads until the half-close and answers with an
// empty one.
func (WireService) ClientStream(st server.ClientStreamingServer[benchpb.Payload, benchpb.Payload]) error {
	for {
		if _, err := st.Recv(); err == io.EOF {
			return st.SendAndClose(response(0))
		} else if err != nil {
			return err
		}
	}
}

// Bidi answers each payload with one as large.
func (WireService) Bidi(st server.BidiStreamingServer[benchpb.Payload, benchpb.Payload]) error {
	for {
		req, err := st.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.Send(response(len(req.GetPayload()))); err != nil {
			return err
		}
	}
}

// GoService is the Bench service on grpc-go's server, the same handlers as
// WireService's.
type GoService struct {
	benchgrpc.UnimplementedBenchServer
}

var _ benchgrpc.BenchServer = GoService{}

// Unary answers with a payload as large as the request's.
func (GoService) Unary(_ context.Context, req *benchpb.Payload) (*benchpb.Payload, error) {
	return response(len(req.GetPayload())), nil
}

// ServerStream sends count payloads of size bytes.
func (GoService) ServerStream(req *benchpb.StreamRequest, st grpc.ServerStreamingServer[benchpb.Payload]) error {
	res := response(int(req.GetSize()))
	for range req.GetCount() {
		if err := st.Send(res); err != nil {
			return err
		}
	}
	return nil
}

// ClientStream reads payloads until the half-close and answers with an
// empty one.
func (GoService) ClientStream(st grpc.ClientStreamingServer[benchpb.Payload, benchpb.Payload]) error {
	for {
		if _, err := st.Recv(); err == io.EOF {
			return st.SendAndClose(response(0))
		} else if err != nil {
			return err
		}
	}
}

// Bidi answers each payload with one as large.
func (GoService) Bidi(st grpc.BidiStreamingServer[benchpb.Payload, benchpb.Payload]) error {
	for {
		req, err := st.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.Send(response(len(req.GetPayload()))); err != nil {
			return err
		}
	}
}
