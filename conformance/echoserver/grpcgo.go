package echoserver

import (
	"context"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // registers "gzip" for requests and responses
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
)

// GRPCGo is the Echo service on grpc-go: register it with
// echogrpc.RegisterEchoServer. Rec, if set, records tagged calls.
type GRPCGo struct {
	echogrpc.UnimplementedEchoServer
	Rec *Recorder
}

var _ echogrpc.EchoServer = (*GRPCGo)(nil)

// Unary sleeps, then answers or ends with the requested status.
func (s *GRPCGo) Unary(ctx context.Context, req *echopb.EchoRequest) (*echopb.EchoResponse, error) {
	end := s.Rec.start(req.GetTag())
	defer end(ctx)
	left := deadlineLeft(ctx)
	if err := s.prepare(ctx, req); err != nil {
		return nil, err
	}
	if err := sleep(ctx, req); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	if wantsStatus(req) {
		return nil, grpcGoStatus(req.GetStatus())
	}
	var t tally
	t.add(req)
	return response(NameGRPCGo, req, 0, t, left), nil
}

// ServerStream sends response_count responses, sleeps, and ends with the
// requested status.
func (s *GRPCGo) ServerStream(req *echopb.EchoRequest, st grpc.ServerStreamingServer[echopb.EchoResponse]) error {
	ctx := st.Context()
	end := s.Rec.start(req.GetTag())
	defer end(ctx)
	left := deadlineLeft(ctx)
	if err := s.prepare(ctx, req); err != nil {
		return err
	}
	var t tally
	t.add(req)
	for i := range int(req.GetResponseCount()) {
		if err := st.Send(response(NameGRPCGo, req, i, t, left)); err != nil {
			return err
		}
	}
	if err := sleep(ctx, req); err != nil {
		return status.FromContextError(err).Err()
	}
	if wantsStatus(req) {
		return grpcGoStatus(req.GetStatus())
	}
	return nil
}

// ClientStream counts the requests until the half-close and answers with
// the last one's payload; a request asking for a status ends the call.
func (s *GRPCGo) ClientStream(st grpc.ClientStreamingServer[echopb.EchoRequest, echopb.EchoResponse]) error {
	ctx := st.Context()
	left := deadlineLeft(ctx)
	var t tally
	var last *echopb.EchoRequest
	end := func(context.Context) {}
	defer func() { end(ctx) }()
	for {
		req, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if t.requests == 0 {
			end = s.Rec.start(req.GetTag())
			if err := s.prepare(ctx, req); err != nil {
				return err
			}
		}
		t.add(req)
		last = req
		if err := sleep(ctx, req); err != nil {
			return status.FromContextError(err).Err()
		}
		if wantsStatus(req) {
			return grpcGoStatus(req.GetStatus())
		}
	}
	if last == nil {
		last = &echopb.EchoRequest{}
	}
	return st.SendAndClose(response(NameGRPCGo, last, 0, t, left))
}

// Bidi answers each request as it arrives.
func (s *GRPCGo) Bidi(st grpc.BidiStreamingServer[echopb.EchoRequest, echopb.EchoResponse]) error {
	ctx := st.Context()
	left := deadlineLeft(ctx)
	var t tally
	index := 0
	end := func(context.Context) {}
	defer func() { end(ctx) }()
	for {
		req, err := st.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if t.requests == 0 {
			end = s.Rec.start(req.GetTag())
			if err := s.prepare(ctx, req); err != nil {
				return err
			}
		}
		t.add(req)
		if err := sleep(ctx, req); err != nil {
			return status.FromContextError(err).Err()
		}
		for range bidiResponses(req) {
			if err := st.Send(response(NameGRPCGo, req, index, t, left)); err != nil {
				return err
			}
			index++
		}
		if wantsStatus(req) {
			return grpcGoStatus(req.GetStatus())
		}
	}
}

// prepare echoes the request metadata into the response headers and
// trailers and turns on response compression when asked, before anything is
// sent.
func (s *GRPCGo) prepare(ctx context.Context, req *echopb.EchoRequest) error {
	md, _ := metadata.FromIncomingContext(ctx)
	header, trailer := splitEcho(md)
	if header != nil {
		if err := grpc.SetHeader(ctx, metadata.MD(header)); err != nil {
			return err
		}
	}
	if trailer != nil {
		if err := grpc.SetTrailer(ctx, metadata.MD(trailer)); err != nil {
			return err
		}
	}
	if req.GetCompressResponse() {
		if err := grpc.SetSendCompressor(ctx, Compressor); err != nil {
			return status.Errorf(codes.Internal, "echoserver: cannot compress the response: %v", err)
		}
	}
	return nil
}

// grpcGoStatus is the requested status as a grpc-go error, with details.
func grpcGoStatus(rs *echopb.ResponseStatus) error {
	st := status.New(codes.Code(rs.GetCode()), rs.GetMessage())
	var details []protoadapt.MessageV1
	for _, d := range Details(rs) {
		details = append(details, protoadapt.MessageV1Of(d))
	}
	if len(details) == 0 {
		return st.Err()
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return status.Errorf(codes.Internal, "echoserver: cannot attach details: %v", err)
	}
	return withDetails.Err()
}
