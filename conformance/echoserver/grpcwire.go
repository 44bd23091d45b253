package echoserver

import (
	"context"
	"io"

	"grpcwire/conformance/echopb"
	"grpcwire/server"
	"grpcwire/wire"
)

// Wire is the Echo service on grpcwire: register it with
// echopb.RegisterEchoServer. Rec, if set, records tagged calls. It behaves
// as GRPCGo does, call for call.
type Wire struct {
	echopb.UnimplementedEchoServer
	Rec *Recorder
}

var _ echopb.EchoServer = (*Wire)(nil)

// Unary sleeps, then answers or ends with the requested status.
func (s *Wire) Unary(ctx context.Context, req *echopb.EchoRequest) (*echopb.EchoResponse, error) {
	end := s.Rec.start(req.GetTag())
	defer end(ctx)
	left := deadlineLeft(ctx)
	if err := s.prepare(ctx, req); err != nil {
		return nil, err
	}
	if err := sleep(ctx, req); err != nil {
		return nil, wire.StatusOf(err)
	}
	if wantsStatus(req) {
		return nil, wireStatus(req.GetStatus())
	}
	var t tally
	t.add(req)
	return response(NameGRPCWire, req, 0, t, left), nil
}

// ServerStream sends response_count responses, sleeps, and ends with the
// requested status.
func (s *Wire) ServerStream(req *echopb.EchoRequest, st server.ServerStreamingServer[echopb.EchoResponse]) error {
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
		if err := st.Send(response(NameGRPCWire, req, i, t, left)); err != nil {
			return err
		}
	}
	if err := sleep(ctx, req); err != nil {
		return wire.StatusOf(err)
	}
	if wantsStatus(req) {
		return wireStatus(req.GetStatus())
	}
	return nil
}

// ClientStream counts the requests until the half-close and answers with
// the last one's payload; a request asking for a status ends the call.
func (s *Wire) ClientStream(st server.ClientStreamingServer[echopb.EchoRequest, echopb.EchoResponse]) error {
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
			return wire.StatusOf(err)
		}
		if wantsStatus(req) {
			return wireStatus(req.GetStatus())
		}
	}
	if last == nil {
		last = &echopb.EchoRequest{}
	}
	return st.SendAndClose(response(NameGRPCWire, last, 0, t, left))
}

// Bidi answers each request as it arrives.
func (s *Wire) Bidi(st server.BidiStreamingServer[echopb.EchoRequest, echopb.EchoResponse]) error {
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
			return wire.StatusOf(err)
		}
		for range bidiResponses(req) {
			if err := st.Send(response(NameGRPCWire, req, index, t, left)); err != nil {
				return err
			}
			index++
		}
		if wantsStatus(req) {
			return wireStatus(req.GetStatus())
		}
	}
}

// prepare echoes the request metadata into the response headers and
// trailers and turns on response compression when asked, before anything is
// sent.
func (s *Wire) prepare(ctx context.Context, req *echopb.EchoRequest) error {
	header, trailer := splitEcho(server.MetadataFromContext(ctx))
	if header != nil {
		if err := server.SetHeader(ctx, wire.Metadata(header)); err != nil {
			return err
		}
	}
	if trailer != nil {
		if err := server.SetTrailer(ctx, wire.Metadata(trailer)); err != nil {
			return err
		}
	}
	if req.GetCompressResponse() {
		if err := server.SetSendCompressor(ctx, Compressor); err != nil {
			return wire.Errorf(wire.Internal, "echoserver: cannot compress the response: %v", err)
		}
	}
	return nil
}

// wireStatus is the requested status as a grpcwire error, with details.
func wireStatus(rs *echopb.ResponseStatus) error {
	st := wire.NewStatus(wire.Code(rs.GetCode()), rs.GetMessage())
	details := Details(rs)
	if len(details) == 0 {
		return st
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return wire.Errorf(wire.Internal, "echoserver: cannot attach details: %v", err)
	}
	return withDetails
}
