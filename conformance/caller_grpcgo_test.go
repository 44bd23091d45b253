package conformance

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
)

// grpcGoCaller makes calls with grpc-go's client.
type grpcGoCaller struct {
	cc *grpc.ClientConn
	c  echogrpc.EchoClient
}

func (g *grpcGoCaller) invoke(ctx context.Context, method string, req *echopb.EchoRequest) outcome {
	res := new(echopb.EchoResponse)
	err := g.cc.Invoke(ctx, method, req, res)
	var out outcome
	if err == nil {
		out.responses = append(out.responses, res)
	}
	return grpcGoOutcome(out, err)
}

// prepare puts o's metadata on ctx and turns o into grpc-go call options.
func (g *grpcGoCaller) prepare(ctx context.Context, o callOpts) (context.Context, []grpc.CallOption) {
	if o.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, metadata.MD(o.md).Copy())
	}
	var opts []grpc.CallOption
	if o.gzip {
		opts = append(opts, grpc.UseCompressor(gzip.Name))
	}
	if o.encoding != "" {
		opts = append(opts, grpc.UseCompressor(o.encoding))
	}
	if o.maxRecv > 0 {
		opts = append(opts, grpc.MaxCallRecvMsgSize(o.maxRecv))
	}
	return ctx, opts
}

// grpcGoOutcome fills in the status of out from err.
func grpcGoOutcome(out outcome, err error) outcome {
	if errors.Is(err, io.EOF) {
		err = nil
	}
	out.err = err
	st := status.Convert(err)
	out.code = uint32(st.Code())
	out.message = st.Message()
	for _, d := range st.Details() {
		if m, ok := d.(proto.Message); ok {
			out.details = append(out.details, m)
		} else {
			out.details = append(out.details, nil) // undecodable: counted, never equal
		}
	}
	return out
}

func (g *grpcGoCaller) unary(ctx context.Context, o callOpts, req *echopb.EchoRequest) outcome {
	ctx, opts := g.prepare(ctx, o)
	var hdr, trl metadata.MD
	res, err := g.c.Unary(ctx, req, append(opts, grpc.Header(&hdr), grpc.Trailer(&trl))...)
	out := outcome{header: hdr, trailer: trl}
	if res != nil {
		out.responses = append(out.responses, res)
	}
	return grpcGoOutcome(out, err)
}

func (g *grpcGoCaller) serverStream(ctx context.Context, o callOpts, req *echopb.EchoRequest) outcome {
	ctx, opts := g.prepare(ctx, o)
	st, err := g.c.ServerStream(ctx, req, opts...)
	if err != nil {
		return grpcGoOutcome(outcome{}, err)
	}
	var out outcome
	for {
		res, rerr := st.Recv()
		if rerr != nil {
			err = rerr
			break
		}
		out.responses = append(out.responses, res)
	}
	out.header, _ = st.Header()
	out.trailer = st.Trailer()
	return grpcGoOutcome(out, err)
}

func (g *grpcGoCaller) clientStream(ctx context.Context, o callOpts, reqs []*echopb.EchoRequest) outcome {
	ctx, opts := g.prepare(ctx, o)
	st, err := g.c.ClientStream(ctx, opts...)
	if err != nil {
		return grpcGoOutcome(outcome{}, err)
	}
	for _, req := range reqs {
		// io.EOF: the server has ended the call; CloseAndRecv tells how.
		if err := st.Send(req); err != nil {
			break
		}
	}
	var out outcome
	res, err := st.CloseAndRecv()
	if res != nil {
		out.responses = append(out.responses, res)
	}
	out.header, _ = st.Header()
	out.trailer = st.Trailer()
	return grpcGoOutcome(out, err)
}

func (g *grpcGoCaller) bidi(ctx context.Context, o callOpts, reqs []*echopb.EchoRequest) outcome {
	ctx, opts := g.prepare(ctx, o)
	st, err := g.c.Bidi(ctx, opts...)
	if err != nil {
		return grpcGoOutcome(outcome{}, err)
	}
	var out outcome
	finish := func(err error) outcome {
		out.header, _ = st.Header()
		out.trailer = st.Trailer()
		return grpcGoOutcome(out, err)
	}
	for _, req := range reqs {
		if err := st.Send(req); err != nil {
			// The server ended the call: its status comes from Recv.
			break
		}
		for range max(1, int(req.GetResponseCount())) {
			res, err := st.Recv()
			if err != nil {
				return finish(err)
			}
			out.responses = append(out.responses, res)
		}
	}
	if err := st.CloseSend(); err != nil {
		return finish(err)
	}
	for {
		res, err := st.Recv()
		if err != nil {
			return finish(err)
		}
		out.responses = append(out.responses, res)
	}
}
