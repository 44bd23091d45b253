// Package testsvc is the shared test service of grpcwire's server and client
// tests: one service with a method of each call kind on well-known protobuf
// messages (wrapperspb), so that tests need no generated code of their own,
// and the helpers that put it on a loopback listener, dial it, or put a
// scripted HTTP/2 peer (internal/testkit/h2test) on either side of a real server or
// client.
//
// It is a test helper: it imports "testing" and is meant to be used only
// from _test.go files.
package testsvc

import (
	"context"
	"io"
	"strings"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/server"
	"grpcwire/wire"
)

// Name is the test service's full name, the part of :path between the
// slashes.
const Name = "grpcwire.testing.Test"

// The test service's methods, as :path values. The comment after each names
// its call kind and messages.
const (
	EchoPath    = "/" + Name + "/Echo"    // unary: StringValue → the same StringValue
	CountPath   = "/" + Name + "/Count"   // server-streaming: Int32Value n → Int32Value 0, 1, ..., n-1
	CollectPath = "/" + Name + "/Collect" // client-streaming: StringValue* → their values joined by ","
	ChatPath    = "/" + Name + "/Chat"    // bidi: each StringValue → the same StringValue, in order
	BulkPath    = "/" + Name + "/Bulk"    // bidi: each BytesValue → the same BytesValue, in order
)

// MirrorPrefix marks request metadata the default handlers send back: every
// request metadata key that starts with it is added, with its values
// unchanged, both to the response headers and to the trailers. Tests of
// metadata use it to see each direction of every call kind without writing
// handlers of their own.
const MirrorPrefix = "mirror-"

// Service is the test service. A nil handler field is served by the default
// handler of the same name below, so a test overrides only the method whose
// behaviour it pins.
type Service struct {
	// Echo handles EchoPath, the unary method.
	Echo func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	// Count handles CountPath, the server-streaming method.
	Count func(*wrapperspb.Int32Value, server.ServerStreamingServer[wrapperspb.Int32Value]) error
	// Collect handles CollectPath, the client-streaming method.
	Collect func(server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error
	// Chat handles ChatPath, the bidi method on strings.
	Chat func(server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error
	// Bulk handles BulkPath, the bidi method on bytes.
	Bulk func(server.BidiStreamingServer[wrapperspb.BytesValue, wrapperspb.BytesValue]) error
}

// Desc returns the service's description for server.Register.
func (s *Service) Desc() *server.ServiceDesc {
	echo, count, collect, chat, bulk := s.Echo, s.Count, s.Collect, s.Chat, s.Bulk
	if echo == nil {
		echo = Echo
	}
	if count == nil {
		count = Count
	}
	if collect == nil {
		collect = Collect
	}
	if chat == nil {
		chat = Chat
	}
	if bulk == nil {
		bulk = Bulk
	}
	return &server.ServiceDesc{Name: Name, Methods: []server.MethodDesc{
		server.UnaryMethod("Echo", echo),
		server.ServerStreamingMethod("Count", count),
		server.ClientStreamingMethod("Collect", collect),
		server.BidiStreamingMethod("Chat", chat),
		server.BidiStreamingMethod("Bulk", bulk),
	}}
}

// Echo answers the request itself, mirroring metadata (see MirrorPrefix).
func Echo(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if err := Mirror(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

// Count sends n messages numbered from 0, mirroring metadata.
func Count(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
	if err := Mirror(st.Context()); err != nil {
		return err
	}
	for i := range in.GetValue() {
		if err := st.Send(wrapperspb.Int32(i)); err != nil {
			return err
		}
	}
	return nil
}

// Collect joins the values of every request with "," and answers the
// result once the client half-closes, mirroring metadata.
func Collect(st server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
	if err := Mirror(st.Context()); err != nil {
		return err
	}
	var parts []string
	for {
		m, err := st.Recv()
		if err == io.EOF {
			return st.SendAndClose(wrapperspb.String(strings.Join(parts, ",")))
		}
		if err != nil {
			return err
		}
		parts = append(parts, m.GetValue())
	}
}

// Chat answers each request with itself as it arrives, mirroring metadata.
func Chat(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
	if err := Mirror(st.Context()); err != nil {
		return err
	}
	return echoAll(st.Recv, st.Send)
}

// Bulk answers each request with itself as it arrives; tests send large
// messages through it.
func Bulk(st server.BidiStreamingServer[wrapperspb.BytesValue, wrapperspb.BytesValue]) error {
	return echoAll(st.Recv, st.Send)
}

func echoAll[M any](recv func() (*M, error), send func(*M) error) error {
	for {
		m, err := recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := send(m); err != nil {
			return err
		}
	}
}

// Mirror adds the call's request metadata under MirrorPrefix to its response
// headers and trailers.
func Mirror(ctx context.Context) error {
	md := wire.Metadata{}
	for k, vs := range server.MetadataFromContext(ctx) {
		if strings.HasPrefix(k, MirrorPrefix) {
			md.Append(k, vs...)
		}
	}
	if len(md) == 0 {
		return nil
	}
	if err := server.SetHeader(ctx, md); err != nil {
		return err
	}
	return server.SetTrailer(ctx, md)
}
