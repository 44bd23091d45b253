package interop

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/protobuf/proto"

	"grpcwire/framing"
	pb "grpcwire/interop/grpc_testing"
	"grpcwire/server"
	"grpcwire/wire"
)

// The metadata keys of the Echo Metadata feature, of which
// doc/interop-test-descriptions.md says: "When the client sends metadata
// with the key "x-grpc-test-echo-initial" with its request, the server
// sends back exactly this key and the corresponding value back to the
// client as part of initial metadata. When the client sends metadata with
// the key "x-grpc-test-echo-trailing-bin" with its request, the server
// sends back exactly this key and the corresponding value back to the
// client as trailing metadata."
const (
	EchoInitialKey  = "x-grpc-test-echo-initial"
	EchoTrailingKey = "x-grpc-test-echo-trailing-bin"
)

// compressor is the grpc-encoding the server compresses responses with when
// a request asks for compression: gzip is the one codec every gRPC
// implementation ships, and the only one the interop cases name.
const compressor = "gzip"

// TestServer implements grpc.testing.TestService with every server feature
// the interop cases rely on: EmptyCall, UnaryCall, StreamingInputCall,
// StreamingOutputCall, FullDuplexCall and HalfDuplexCall; response sizes and
// types; Echo Status; Echo Metadata; CompressedRequest (expect_compressed,
// checked on each message's Compressed-Flag) and CompressedResponse
// (response_compressed and per-response compressed, set per message);
// interval_us pacing. UnimplementedCall is deliberately absent, so that
// unimplemented_method sees the server's own answer for an unknown method.
//
// The zero value is ready to use; ServerID fills SimpleResponse.server_id.
type TestServer struct {
	// ServerID is returned in SimpleResponse.server_id when the request
	// sets fill_server_id.
	ServerID string
}

// Register adds the TestService to s. UnaryCall is registered as a stream
// method that reads its one request itself, because the CompressedRequest
// feature needs that message's Compressed-Flag, which the typed unary path
// does not show its handler.
func (t *TestServer) Register(s *server.Server) {
	s.Register(&server.ServiceDesc{
		Name:       pb.TestService_ServiceName,
		Descriptor: pb.File_interop_grpc_testing_test_proto.Services().ByName("TestService"),
		Methods: []server.MethodDesc{
			server.UnaryMethod("EmptyCall", t.EmptyCall),
			server.StreamMethod("UnaryCall", server.Unary, t.unaryCall),
			server.ServerStreamingMethod("StreamingOutputCall", t.StreamingOutputCall),
			server.ClientStreamingMethod("StreamingInputCall", t.StreamingInputCall),
			server.BidiStreamingMethod("FullDuplexCall", t.FullDuplexCall),
			server.BidiStreamingMethod("HalfDuplexCall", t.HalfDuplexCall),
		},
	})
}

// EmptyCall "immediately returns the empty message".
func (t *TestServer) EmptyCall(ctx context.Context, _ *pb.Empty) (*pb.Empty, error) {
	if err := echoMetadata(ctx, nil); err != nil {
		return nil, err
	}
	return &pb.Empty{}, nil
}

// unaryCall serves UnaryCall: it receives the one request with its
// Compressed-Flag, then answers as UnaryCall does.
func (t *TestServer) unaryCall(st server.ServerStream) error {
	req := new(pb.SimpleRequest)
	compressed, known, err := recvCompressed(st, req)
	if err == io.EOF {
		return wire.Errorf(wire.Unimplemented, "request cardinality violation: UnaryCall got no request message")
	}
	if err != nil {
		return err
	}
	if err := st.RecvMsg(new(pb.SimpleRequest)); err != io.EOF {
		if err == nil {
			return wire.Errorf(wire.Unimplemented, "request cardinality violation: UnaryCall got more than one request message")
		}
		return err
	}
	if !known {
		req.ExpectCompressed = nil
	}
	res, err := t.UnaryCall(st.Context(), req, compressed)
	if err != nil {
		return err
	}
	return st.SendMsg(res)
}

// UnaryCall answers req, which arrived compressed or not: with a payload of
// response_size bytes of response_type, or with response_status when it is
// not OK. It fails with INVALID_ARGUMENT when expect_compressed disagrees
// with how the request came, and compresses the response when
// response_compressed asks for it.
func (t *TestServer) UnaryCall(ctx context.Context, req *pb.SimpleRequest, compressed bool) (*pb.SimpleResponse, error) {
	if err := checkCompressed(req.GetExpectCompressed(), compressed); err != nil {
		return nil, err
	}
	if err := echoMetadata(ctx, nil); err != nil {
		return nil, err
	}
	if err := echoStatus(req.GetResponseStatus()); err != nil {
		return nil, err
	}
	pl, err := newPayload(req.GetResponseType(), req.GetResponseSize())
	if err != nil {
		return nil, err
	}
	if rc := req.GetResponseCompressed(); rc != nil {
		if err := setCompression(ctx, rc.GetValue()); err != nil {
			return nil, err
		}
	}
	res := &pb.SimpleResponse{Payload: pl}
	if req.GetFillServerId() {
		res.ServerId = t.ServerID
	}
	if h, err := os.Hostname(); err == nil {
		res.Hostname = h
	}
	return res, nil
}

// StreamingOutputCall replies "in order, with one StreamingOutputCallResponse
// for each ResponseParameters", each after its interval_us and compressed as
// its compressed field asks; then it ends the call with OK.
func (t *TestServer) StreamingOutputCall(req *pb.StreamingOutputCallRequest, stream server.ServerStreamingServer[pb.StreamingOutputCallResponse]) error {
	if err := echoMetadata(stream.Context(), stream); err != nil {
		return err
	}
	if err := echoStatus(req.GetResponseStatus()); err != nil {
		return err
	}
	return sendResponses(stream, req)
}

// StreamingInputCall "upon half close immediately returns a
// StreamingInputCallResponse where aggregated_payload_size is the sum of all
// request payload bodies received", checking each message's expect_compressed
// against its Compressed-Flag on the way.
func (t *TestServer) StreamingInputCall(stream server.ClientStreamingServer[pb.StreamingInputCallRequest, pb.StreamingInputCallResponse]) error {
	if err := echoMetadata(stream.Context(), stream); err != nil {
		return err
	}
	var sum int
	for {
		req := new(pb.StreamingInputCallRequest)
		compressed, known, err := recvCompressed(stream, req)
		if err == io.EOF {
			return stream.SendAndClose(&pb.StreamingInputCallResponse{AggregatedPayloadSize: int32(sum)})
		}
		if err != nil {
			return err
		}
		if known {
			if err := checkCompressed(req.GetExpectCompressed(), compressed); err != nil {
				return err
			}
		}
		sum += len(req.GetPayload().GetBody())
	}
}

// FullDuplexCall answers each request as it arrives, with one response per
// ResponseParameters, and ends with OK after the client half-closes, or with
// a request's response_status as soon as one carries a status that is not
// OK ("The server will not process any further messages on the stream").
func (t *TestServer) FullDuplexCall(stream server.BidiStreamingServer[pb.StreamingOutputCallRequest, pb.StreamingOutputCallResponse]) error {
	if err := echoMetadata(stream.Context(), stream); err != nil {
		return err
	}
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := echoStatus(req.GetResponseStatus()); err != nil {
			return err
		}
		if err := sendResponses(stream, req); err != nil {
			return err
		}
	}
}

// HalfDuplexCall reads every request until the client half-closes, then
// answers them in order as FullDuplexCall would.
func (t *TestServer) HalfDuplexCall(stream server.BidiStreamingServer[pb.StreamingOutputCallRequest, pb.StreamingOutputCallResponse]) error {
	if err := echoMetadata(stream.Context(), stream); err != nil {
		return err
	}
	var reqs []*pb.StreamingOutputCallRequest
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		reqs = append(reqs, req)
	}
	for _, req := range reqs {
		if err := echoStatus(req.GetResponseStatus()); err != nil {
			return err
		}
		if err := sendResponses(stream, req); err != nil {
			return err
		}
	}
	return nil
}

// sendResponses sends one response per ResponseParameters of req: it waits
// interval_us first ("interval_us acts like a sleep before sending the
// response"), giving up when the call ends, and compresses the message when
// the parameters' compressed field asks for it.
func sendResponses(stream server.ServerStream, req *pb.StreamingOutputCallRequest) error {
	ctx := stream.Context()
	// grpc-encoding goes out once, with the response headers, so the codec
	// is chosen before the first message when any of them is to be
	// compressed; each message then sets its own Compressed-Flag.
	perMessage := false
	for _, p := range req.GetResponseParameters() {
		if p.GetCompressed().GetValue() {
			perMessage = true
			if err := setCompression(ctx, true); err != nil {
				return err
			}
			break
		}
	}
	for _, p := range req.GetResponseParameters() {
		if us := p.GetIntervalUs(); us > 0 {
			t := time.NewTimer(time.Duration(us) * time.Microsecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return wire.StatusOf(ctx.Err())
			}
		}
		pl, err := newPayload(req.GetResponseType(), p.GetSize())
		if err != nil {
			return err
		}
		if c := p.GetCompressed(); c != nil || perMessage {
			if err := setCompression(ctx, c.GetValue()); err != nil {
				return err
			}
		}
		if err := stream.SendMsg(&pb.StreamingOutputCallResponse{Payload: pl}); err != nil {
			return err
		}
	}
	return nil
}

// newPayload makes a payload body of size zero bytes. "If the server does
// not support the response_type, then it should fail the RPC with
// INVALID_ARGUMENT."
func newPayload(t pb.PayloadType, size int32) (*pb.Payload, error) {
	if t != pb.PayloadType_COMPRESSABLE {
		return nil, wire.Errorf(wire.InvalidArgument, "interop: unsupported response_type %v; this server makes only COMPRESSABLE payloads", t)
	}
	if size < 0 {
		return nil, wire.Errorf(wire.InvalidArgument, "interop: negative payload size %d", size)
	}
	return &pb.Payload{Type: t, Body: make([]byte, size)}, nil
}

// echoStatus returns the status the client asked the call to end with, or
// nil for none or OK.
func echoStatus(s *pb.EchoStatus) error {
	if s == nil || s.GetCode() == 0 {
		return nil
	}
	return &wire.Status{Code: wire.Code(s.GetCode()), Message: s.GetMessage()}
}

// checkCompressed implements CompressedRequest: "When the client sets
// expect_compressed to true, the server expects the client request to be
// compressed. If it's not, it fails the RPC with INVALID_ARGUMENT." A request
// that says false but came compressed fails the same way, as it too shows a
// client not doing what it says.
func checkCompressed(expect *pb.BoolValue, compressed bool) error {
	if expect == nil || expect.GetValue() == compressed {
		return nil
	}
	if compressed {
		return wire.Errorf(wire.InvalidArgument, "interop: expect_compressed is false but the request message came compressed")
	}
	return wire.Errorf(wire.InvalidArgument, "interop: expect_compressed is true but the request message came uncompressed (Compressed-Flag 0)")
}

// recvCompressed receives one message and whether it came compressed.
// known is false when the stream cannot tell (an interceptor wrapped it in
// a type that hides the flag): the server then skips the CompressedRequest
// check, as a server without the feature does, rather than guess.
func recvCompressed(st server.ServerStream, m proto.Message) (compressed, known bool, err error) {
	for {
		if cs, ok := st.(interface {
			RecvMsgCompressed(proto.Message) (bool, error)
		}); ok {
			compressed, err := cs.RecvMsgCompressed(m)
			return compressed, true, err
		}
		u, ok := st.(interface{ Unwrap() server.ServerStream })
		if !ok {
			return false, false, st.RecvMsg(m)
		}
		st = u.Unwrap()
	}
}

// setCompression turns compression of the call's next response messages on
// (with gzip; they go uncompressed when the client's grpc-accept-encoding
// does not list it, as doc/compression.md requires) or off.
func setCompression(ctx context.Context, on bool) error {
	st, ok := server.StreamFromContext(ctx)
	if !ok {
		return wire.Errorf(wire.Internal, "interop: no call in the context")
	}
	if !on {
		st.SetCompressMessages(false)
		return nil
	}
	if framing.Lookup(compressor) == nil {
		return wire.Errorf(wire.Internal, "interop: the %s codec is not registered", compressor)
	}
	if err := st.SetSendCompressor(compressor); err != nil {
		return wire.Errorf(wire.InvalidArgument, "interop: cannot compress the response as asked: %v", err)
	}
	st.SetCompressMessages(true)
	return nil
}

// echoMetadata implements Echo Metadata: the value of EchoInitialKey goes
// back in the response headers (sent at once on a stream, so a client can
// read them before any message), the value of EchoTrailingKey in the
// trailers. stream is nil for unary calls, whose headers go with the
// response.
func echoMetadata(ctx context.Context, stream server.ServerStream) error {
	md := server.MetadataFromContext(ctx)
	if v := md.Get(EchoTrailingKey); len(v) > 0 {
		if err := server.SetTrailer(ctx, wire.NewMetadata(EchoTrailingKey, v[0])); err != nil {
			return err
		}
	}
	v := md.Get(EchoInitialKey)
	if len(v) == 0 {
		return nil
	}
	hdr := wire.NewMetadata(EchoInitialKey, v[0])
	if stream == nil {
		return server.SetHeader(ctx, hdr)
	}
	if err := stream.SendHeader(hdr); err != nil {
		return fmt.Errorf("interop: echo of %s: %w", EchoInitialKey, err)
	}
	return nil
}
