package testpb_test

import (
	"context"
	"io"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"

	"grpcwire/client"
	"grpcwire/cmd/protoc-gen-go-grpcwire/internal/testpb"
	"grpcwire/server"
	"grpcwire/wire"
)

// call is one call a fakeConn saw.
type call struct {
	method string
	desc   *client.StreamDesc // nil for Invoke
}

// fakeConn records the calls generated clients make and answers each with
// one Note (or Empty) echoing the request's text.
type fakeConn struct {
	calls []call
}

func (c *fakeConn) Invoke(ctx context.Context, method string, req, res proto.Message, opts ...client.CallOption) error {
	c.calls = append(c.calls, call{method: method})
	if n, ok := req.(*testpb.Note); ok {
		proto.Merge(res, &testpb.Note{Text: "re: " + n.GetText()})
	}
	return nil
}

func (c *fakeConn) NewStream(ctx context.Context, desc *client.StreamDesc, method string, opts ...client.CallOption) (client.ClientStream, error) {
	c.calls = append(c.calls, call{method: method, desc: desc})
	return &fakeStream{ctx: ctx}, nil
}

// fakeStream echoes: every Note sent comes back once the client half-closes.
type fakeStream struct {
	ctx    context.Context
	sent   []string
	closed bool
}

func (s *fakeStream) Context() context.Context       { return s.ctx }
func (s *fakeStream) Header() (wire.Metadata, error) { return nil, nil }
func (s *fakeStream) Trailer() wire.Metadata         { return nil }
func (s *fakeStream) CloseSend() error               { s.closed = true; return nil }
func (s *fakeStream) SendMsg(m proto.Message) error {
	if n, ok := m.(*testpb.Note); ok {
		s.sent = append(s.sent, n.GetText())
	}
	return nil
}
func (s *fakeStream) RecvMsg(m proto.Message) error {
	if !s.closed || len(s.sent) == 0 {
		return io.EOF
	}
	if n, ok := m.(*testpb.Note); ok {
		n.Text = "re: " + s.sent[0]
	}
	s.sent = s.sent[1:]
	return nil
}

// TestClientCalls makes one call of every kind through the generated client
// and checks the :path and stream shape each one used.
func TestClientCalls(t *testing.T) {
	ctx := context.Background()
	cc := &fakeConn{}
	c := testpb.NewKindsClient(cc)
	note := &testpb.Note{Text: "hi"}

	if res, err := c.Unary(ctx, note); err != nil || res.GetText() != "re: hi" {
		t.Errorf("Unary = %v, %v", res, err)
	}
	var streamed []string
	for res, err := range c.ServerStream(ctx, note) {
		if err != nil {
			t.Fatal(err)
		}
		streamed = append(streamed, res.GetText())
	}
	if !slices.Equal(streamed, []string{"re: hi"}) {
		t.Errorf("ServerStream yielded %q", streamed)
	}
	cs, err := c.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Send(note); err != nil {
		t.Fatal(err)
	}
	if res, err := cs.CloseAndRecv(); err != nil || res.GetText() != "re: hi" {
		t.Errorf("ClientStream = %v, %v", res, err)
	}
	bs, err := c.Bidi(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Send(note); err != nil {
		t.Fatal(err)
	}
	if err := bs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if res, err := bs.Recv(); err != nil || res.GetText() != "re: hi" {
		t.Errorf("Bidi Recv = %v, %v", res, err)
	}
	if _, err := c.Ping(ctx, &emptypb.Empty{}); err != nil {
		t.Error(err)
	}
	if _, err := c.SnakeCaseName(ctx, note); err != nil {
		t.Error(err)
	}
	if _, err := c.Type(ctx); err != nil {
		t.Error(err)
	}
	if _, err := c.Old(ctx, note); err != nil {
		t.Error(err)
	}
	for _, err := range testpb.NewLegacyClient(cc).Stream(ctx, note) {
		if err != nil {
			t.Error(err)
		}
	}

	want := []call{
		{method: "/grpcwire.testing.kinds.Kinds/Unary"},
		{method: "/grpcwire.testing.kinds.Kinds/ServerStream", desc: &client.StreamDesc{ServerStreams: true}},
		{method: "/grpcwire.testing.kinds.Kinds/ClientStream", desc: &client.StreamDesc{ClientStreams: true}},
		{method: "/grpcwire.testing.kinds.Kinds/Bidi", desc: &client.StreamDesc{ClientStreams: true, ServerStreams: true}},
		{method: "/grpcwire.testing.kinds.Kinds/Ping"},
		{method: "/grpcwire.testing.kinds.Kinds/snake_case_name"},
		{method: "/grpcwire.testing.kinds.Kinds/type", desc: &client.StreamDesc{ClientStreams: true, ServerStreams: true}},
		{method: "/grpcwire.testing.kinds.Kinds/Old"},
		{method: "/grpcwire.testing.kinds.Legacy/Stream", desc: &client.StreamDesc{ServerStreams: true}},
	}
	if len(cc.calls) != len(want) {
		t.Fatalf("%d calls, want %d: %+v", len(cc.calls), len(want), cc.calls)
	}
	for i, w := range want {
		got := cc.calls[i]
		if got.method != w.method || (got.desc == nil) != (w.desc == nil) || got.desc != nil && *got.desc != *w.desc {
			t.Errorf("call %d = %s %+v, want %s %+v", i, got.method, got.desc, w.method, w.desc)
		}
	}
}

// TestUnimplemented checks that every method of the embeddable
// Unimplemented server answers UNIMPLEMENTED and names itself.
func TestUnimplemented(t *testing.T) {
	var u testpb.UnimplementedKindsServer
	ctx := context.Background()
	_, e1 := u.Unary(ctx, nil)
	_, e5 := u.Ping(ctx, nil)
	_, e6 := u.SnakeCaseName(ctx, nil)
	_, e8 := u.Old(ctx, nil)
	for name, err := range map[string]error{
		"Unary":         e1,
		"ServerStream":  u.ServerStream(nil, nil),
		"ClientStream":  u.ClientStream(nil),
		"Bidi":          u.Bidi(nil),
		"Ping":          e5,
		"SnakeCaseName": e6,
		"Type":          u.Type(nil),
		"Old":           e8,
	} {
		st := wire.StatusOf(err)
		if st.Code != wire.Unimplemented || st.Message != "method "+name+" not implemented" {
			t.Errorf("%s: status %v %q, want UNIMPLEMENTED %q", name, st.Code, st.Message, "method "+name+" not implemented")
		}
	}
}

// impl overrides one method and embeds the rest, as users should.
type impl struct {
	testpb.UnimplementedKindsServer
}

func (impl) Unary(_ context.Context, n *testpb.Note) (*testpb.Note, error) { return n, nil }

// TestRegister checks what Register hands the server: the service's full
// name, its descriptor, and each method under its .proto name with its kind.
func TestRegister(t *testing.T) {
	s := server.New()
	testpb.RegisterKindsServer(s, impl{})
	testpb.RegisterLegacyServer(s, testpb.UnimplementedLegacyServer{})
	testpb.RegisterEmptyServer(s, testpb.UnimplementedEmptyServer{})
	descs := map[string]*server.ServiceDesc{}
	for _, d := range s.Services() {
		descs[d.Name] = d
	}
	want := map[string][]struct {
		name string
		kind server.CallKind
	}{
		testpb.Kinds_ServiceName: {
			{"Unary", server.Unary}, {"ServerStream", server.ServerStreaming},
			{"ClientStream", server.ClientStreaming}, {"Bidi", server.BidiStreaming},
			{"Ping", server.Unary}, {"snake_case_name", server.Unary},
			{"type", server.BidiStreaming}, {"Old", server.Unary},
		},
		testpb.Legacy_ServiceName: {{"Stream", server.ServerStreaming}},
		testpb.Empty_ServiceName:  {},
	}
	if len(descs) != len(want) {
		t.Fatalf("registered %d services, want %d", len(descs), len(want))
	}
	for svc, methods := range want {
		d := descs[svc]
		if d == nil {
			t.Fatalf("service %s not registered", svc)
		}
		if d.Descriptor == nil || string(d.Descriptor.FullName()) != svc {
			t.Errorf("%s: descriptor %v", svc, d.Descriptor)
		}
		if len(d.Methods) != len(methods) {
			t.Fatalf("%s: %d methods, want %d", svc, len(d.Methods), len(methods))
		}
		for i, m := range methods {
			if d.Methods[i].Name != m.name || d.Methods[i].Kind != m.kind {
				t.Errorf("%s method %d = %s %v, want %s %v", svc, i, d.Methods[i].Name, d.Methods[i].Kind, m.name, m.kind)
			}
			if md := d.Descriptor.Methods().ByName(protoName(m.name)); md == nil {
				t.Errorf("%s: method %s is not in the descriptor", svc, m.name)
			}
		}
	}
}

// protoName converts a method name to the descriptor's name type.
func protoName(s string) protoreflect.Name { return protoreflect.Name(s) }
