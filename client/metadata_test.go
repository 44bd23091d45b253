package client_test

import (
	"context"
	"io"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// sentMetadata is what the metadata tests send: ASCII and binary values
// (bytes that are not UTF-8, a comma, a NUL), several values for one key,
// all under testsvc.MirrorPrefix so that the test service sends them back.
func sentMetadata() wire.Metadata {
	return wire.Metadata{
		"mirror-ascii":  {"plain value"},
		"mirror-multi":  {"one", "two"},
		"mirror-id-bin": {"\x00\xff\xfe,\x80binary"},
	}
}

// checkMirrored checks that md carries every key of sentMetadata with its
// values, in order.
func checkMirrored(t *testing.T, what string, md wire.Metadata) {
	t.Helper()
	for k, want := range sentMetadata() {
		if got := md.Get(k); !slices.Equal(got, want) {
			t.Errorf("%s[%q] = %q, want %q", what, k, got, want)
		}
	}
}

// TestMetadataBothWays: for each call kind, request metadata reaches the
// handler (with user-agent), and the handler's response headers and
// trailers reach the client, through the Header and Trailer call options
// and through the stream's Header and Trailer methods; binary values arrive
// as the bytes sent.
func TestMetadataBothWays(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	seen := make(chan wire.Metadata, 4)
	_, addr := testsvc.Start(t, nil, server.ChainUnaryInterceptor(
		func(ctx context.Context, req proto.Message, info *server.CallInfo, next server.UnaryHandler) (proto.Message, error) {
			seen <- server.MetadataFromContext(ctx)
			return next(ctx, req)
		}), server.ChainStreamInterceptor(
		func(st server.ServerStream, info *server.CallInfo, next server.StreamHandler) error {
			seen <- server.MetadataFromContext(st.Context())
			return next(st)
		}))
	cc := testsvc.Dial(t, addr, client.WithUserAgent("metadata-test/1.0"))
	ctx := context.Background()
	md := client.WithMetadata(sentMetadata())

	checkSeen := func(t *testing.T) {
		t.Helper()
		got := <-seen
		checkMirrored(t, "handler metadata", got)
		if ua := got.Get("user-agent"); len(ua) != 1 || ua[0] != "metadata-test/1.0 "+wire.UserAgent {
			t.Errorf("handler sees user-agent %q, want %q", ua, "metadata-test/1.0 "+wire.UserAgent)
		}
		for _, reserved := range []string{":path", "content-type", "te", "grpc-accept-encoding"} {
			if got.Get(reserved) != nil {
				t.Errorf("handler metadata has reserved header %s", reserved)
			}
		}
	}

	t.Run("unary", func(t *testing.T) {
		var header, trailer wire.Metadata
		if _, err := echo(ctx, cc, "x", md, client.Header(&header), client.Trailer(&trailer)); err != nil {
			t.Fatal(err)
		}
		checkSeen(t)
		checkMirrored(t, "Header option", header)
		checkMirrored(t, "Trailer option", trailer)
	})

	t.Run("server-streaming", func(t *testing.T) {
		var header, trailer wire.Metadata
		ss, err := client.NewServerStream[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(2), md, client.Header(&header), client.Trailer(&trailer))
		if err != nil {
			t.Fatal(err)
		}
		h, err := ss.Header()
		if err != nil {
			t.Fatal(err)
		}
		checkMirrored(t, "Header()", h)
		n := 0
		for _, err := range ss.All() {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 2 {
			t.Errorf("got %d messages, want 2", n)
		}
		checkSeen(t)
		checkMirrored(t, "Header option", header)
		checkMirrored(t, "Trailer option", trailer)
		checkMirrored(t, "Trailer()", ss.Trailer())
	})

	t.Run("client-streaming", func(t *testing.T) {
		var trailer wire.Metadata
		cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.CollectPath, md, client.Trailer(&trailer))
		if err != nil {
			t.Fatal(err)
		}
		cs.Send(wrapperspb.String("a"))
		res, err := cs.CloseAndRecv()
		if err != nil || res.Value != "a" {
			t.Fatalf("CloseAndRecv = %v, %v", res, err)
		}
		h, err := cs.Header()
		if err != nil {
			t.Fatal(err)
		}
		checkSeen(t)
		checkMirrored(t, "Header()", h)
		checkMirrored(t, "Trailer option", trailer)
		checkMirrored(t, "Trailer()", cs.Trailer())
	})

	t.Run("bidi", func(t *testing.T) {
		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath, md)
		if err != nil {
			t.Fatal(err)
		}
		// The handler sends its headers with the first message; Header
		// waits for them.
		bs.Send(wrapperspb.String("a"))
		h, err := bs.Header()
		if err != nil {
			t.Fatal(err)
		}
		checkMirrored(t, "Header()", h)
		bs.CloseSend()
		for {
			if _, err := bs.Recv(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		checkSeen(t)
		checkMirrored(t, "Trailer()", bs.Trailer())
	})
}

// TestReservedRequestMetadataSkipped: reserved names are not application
// metadata. The client writes those fields itself, and skips them in the
// call's metadata rather than sending a second content-type or a forged
// :path; metadata it cannot send at all fails the call with INTERNAL
// before anything is sent.
func TestReservedRequestMetadataSkipped(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	rs := testsvc.ListenRaw(t)
	cc := testsvc.Dial(t, rs.Addr)
	reserved := wire.NewMetadata("content-type", "text/plain", "te", "gzip", ":path", "/evil.Service/Method",
		"user-agent", "forged/1.0", "grpc-status", "0", "grpc-timeout", "1n", "x-ok", "kept")
	wait := testsvc.Go(t, func() error {
		_, err := echo(context.Background(), cc, "x", client.WithMetadata(reserved))
		return err
	})
	p := rs.Accept()
	h := p.ExpectHeaders(1, false)
	for _, f := range []struct{ name, want string }{
		{"content-type", "application/grpc"}, {"te", "trailers"}, {":path", testsvc.EchoPath},
		{"user-agent", wire.UserAgent}, {"x-ok", "kept"},
	} {
		if got := h.Values(f.name); !slices.Equal(got, []string{f.want}) {
			t.Errorf("request %s = %q, want only %q", f.name, got, f.want)
		}
	}
	for _, absent := range []string{"grpc-status", "grpc-timeout"} {
		if h.Has(absent) {
			t.Errorf("request carries %s from the call's metadata", absent)
		}
	}
	p.ExpectGRPCMessage(1)
	p.WriteGRPCTrailersOnly(1, int(wire.Aborted), "")
	wantStatus(t, wait(), wire.Aborted)

	for _, md := range []wire.Metadata{
		wire.NewMetadata("bad key", "v"),
		wire.NewMetadata("x-ascii", "line\nbreak"),
	} {
		_, err := echo(context.Background(), cc, "x", client.WithMetadata(md))
		wantStatus(t, err, wire.Internal, "metadata")
	}
}
