package conformance

import (
	"context"
	"errors"
	"io"

	"grpcwire/client"
	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// wireCaller makes calls with grpcwire's client.
type wireCaller struct {
	cc *client.Conn
	c  echopb.EchoClient
}

func (w *wireCaller) invoke(ctx context.Context, method string, req *echopb.EchoRequest) outcome {
	res := new(echopb.EchoResponse)
	err := w.cc.Invoke(ctx, method, req, res)
	var out outcome
	if err == nil {
		out.responses = append(out.responses, res)
	}
	return wireOutcome(out, err)
}

// options turns o into grpcwire call options; hdr and trl receive the
// response headers and trailers.
func (w *wireCaller) options(o callOpts, hdr, trl *wire.Metadata) []client.CallOption {
	opts := []client.CallOption{client.Header(hdr), client.Trailer(trl)}
	if o.md != nil {
		opts = append(opts, client.WithMetadata(wire.Metadata(o.md)))
	}
	if o.gzip {
		opts = append(opts, client.UseCompressor("gzip"))
	}
	if o.encoding != "" {
		opts = append(opts, client.UseCompressor(o.encoding))
	}
	if o.maxRecv > 0 {
		opts = append(opts, client.MaxRecvMsgSize(o.maxRecv))
	}
	return opts
}

// wireOutcome fills in the status of out from err.
func wireOutcome(out outcome, err error) outcome {
	if errors.Is(err, io.EOF) {
		err = nil
	}
	out.err = err
	if err == nil {
		return out
	}
	st := wire.StatusOf(err)
	out.code = uint32(st.Code)
	out.message = st.Message
	for _, a := range st.Details {
		m, uerr := a.UnmarshalNew()
		if uerr != nil {
			m = nil // undecodable: counted, never equal
		}
		out.details = append(out.details, m)
	}
	return out
}

func (w *wireCaller) unary(ctx context.Context, o callOpts, req *echopb.EchoRequest) outcome {
	var hdr, trl wire.Metadata
	res, err := w.c.Unary(ctx, req, w.options(o, &hdr, &trl)...)
	out := outcome{header: hdr, trailer: trl}
	if res != nil {
		out.responses = append(out.responses, res)
	}
	return wireOutcome(out, err)
}

func (w *wireCaller) serverStream(ctx context.Context, o callOpts, req *echopb.EchoRequest) outcome {
	var hdr, trl wire.Metadata
	var out outcome
	var err error
	for res, rerr := range w.c.ServerStream(ctx, req, w.options(o, &hdr, &trl)...) {
		if rerr != nil {
			err = rerr
			break
		}
		out.responses = append(out.responses, res)
	}
	out.header, out.trailer = hdr, trl
	return wireOutcome(out, err)
}

func (w *wireCaller) clientStream(ctx context.Context, o callOpts, reqs []*echopb.EchoRequest) outcome {
	var hdr, trl wire.Metadata
	st, err := w.c.ClientStream(ctx, w.options(o, &hdr, &trl)...)
	if err != nil {
		return wireOutcome(outcome{}, err)
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
	return wireOutcome(out, err)
}

func (w *wireCaller) bidi(ctx context.Context, o callOpts, reqs []*echopb.EchoRequest) outcome {
	var hdr, trl wire.Metadata
	st, err := w.c.Bidi(ctx, w.options(o, &hdr, &trl)...)
	if err != nil {
		return wireOutcome(outcome{}, err)
	}
	var out outcome
	finish := func(err error) outcome {
		out.header, _ = st.Header()
		out.trailer = st.Trailer()
		return wireOutcome(out, err)
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
