package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// mustPanic runs f and returns the panic's message, failing the test if f
// does not panic.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic")
		}
		msg, _ = r.(string)
	}()
	f()
	return ""
}

// TestRegisterRejectsProgrammingErrors: a service or method registered
// twice, or a method without a handler, panics at Register, naming it,
// rather than sending calls to the wrong handler later.
func TestRegisterRejectsProgrammingErrors(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	echo := server.UnaryMethod("Echo", testsvc.Echo)
	srv := server.New()
	srv.Register(&server.ServiceDesc{Name: "a.A", Methods: []server.MethodDesc{echo}})
	for _, tt := range []struct {
		desc *server.ServiceDesc
		want string
	}{
		{&server.ServiceDesc{Name: "a.A"}, `"a.A" registered twice`},
		{&server.ServiceDesc{Name: "b.B", Methods: []server.MethodDesc{echo, echo}}, `"Echo" of service "b.B" registered twice`},
		{&server.ServiceDesc{Name: "c.C", Methods: []server.MethodDesc{{Name: "Bare"}}}, `"Bare" of service "c.C" has no handler`},
	} {
		if msg := mustPanic(t, func() { srv.Register(tt.desc) }); !strings.Contains(msg, tt.want) {
			t.Errorf("Register(%s) panicked with %q, want it to say %q", tt.desc.Name, msg, tt.want)
		}
	}
	srv.Register(&server.ServiceDesc{Name: "0.first"})
	var names []string
	for _, d := range srv.Services() {
		names = append(names, d.Name)
	}
	if want := []string{"0.first", "a.A"}; !slices.Equal(names, want) {
		t.Errorf("Services() = %q, want %q (sorted, failed registrations left out)", names, want)
	}
	// Nothing of a failed registration is reachable.
	p := testsvc.RawClient(t, testsvc.Serve(t, srv))
	p.Handshake()
	p.WriteGRPCRequestHeaders(1, "/b.B/Echo", false)
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("x")))
	if msg := checkTrailersOnly(t, p.ExpectHeaders(1, true), wire.Unimplemented); !strings.Contains(msg, "unknown service b.B") {
		t.Errorf("a call to a service whose registration failed: %q", msg)
	}
}

// TestStopRunsShutdownHooksOnce: RegisterOnShutdown hooks run when Stop or
// GracefulStop begins, once, and Serve refuses to start afterwards.
func TestStopRunsShutdownHooksOnce(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var runs atomic.Int32
	srv, _ := testsvc.Start(t, nil)
	srv.RegisterOnShutdown(func() { runs.Add(1) })
	srv.GracefulStop(context.Background())
	srv.Stop()
	if n := runs.Load(); n != 1 {
		t.Errorf("shutdown hook ran %d times, want 1", n)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); !errors.Is(err, server.ErrServerStopped) {
		t.Errorf("Serve after Stop = %v, want ErrServerStopped", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Serve after Stop left its listener open")
	}
}

// TestContextHelpersOutsideACall: the FromContext helpers report no call,
// and the setters fail with INTERNAL, outside a handler.
func TestContextHelpersOutsideACall(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ctx := context.Background()
	if _, ok := server.StreamFromContext(ctx); ok {
		t.Error("StreamFromContext found a stream outside a call")
	}
	if _, ok := server.PeerFromContext(ctx); ok {
		t.Error("PeerFromContext found a peer outside a call")
	}
	if _, ok := server.MethodFromContext(ctx); ok {
		t.Error("MethodFromContext found a method outside a call")
	}
	if md := server.MetadataFromContext(ctx); md != nil {
		t.Errorf("MetadataFromContext = %v outside a call", md)
	}
	for name, err := range map[string]error{
		"SetHeader":         server.SetHeader(ctx, wire.NewMetadata("k", "v")),
		"SendHeader":        server.SendHeader(ctx, nil),
		"SetTrailer":        server.SetTrailer(ctx, nil),
		"SetSendCompressor": server.SetSendCompressor(ctx, "gzip"),
	} {
		if wire.CodeOf(err) != wire.Internal {
			t.Errorf("%s outside a call = %v, want INTERNAL", name, err)
		}
	}
}

// TestSendHeaderGoesOutAtOnce: SendHeader sends the response headers
// before any message, so the client sees them while the handler is still
// working; afterwards SetHeader and SendHeader fail, and the peer and method
// are known to the handler.
func TestSendHeaderGoesOutAtOnce(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	proceed := make(chan struct{})
	type seen struct {
		setAfter, sendAfter error
		peer                server.Peer
		method              string
	}
	seenCh := make(chan seen, 1)
	_, addr := testsvc.Start(t, &testsvc.Service{
		Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			if err := st.SendHeader(wire.NewMetadata("x-early", "yes")); err != nil {
				return err
			}
			<-proceed
			var s seen
			s.setAfter = st.SetHeader(wire.NewMetadata("x-late", "no"))
			s.sendAfter = st.SendHeader(nil)
			s.peer, _ = server.PeerFromContext(st.Context())
			s.method, _ = server.MethodFromContext(st.Context())
			seenCh <- s
			return st.Send(wrapperspb.String("done"))
		},
	})
	cc := testsvc.Dial(t, addr)
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	h, err := bs.Header()
	if err != nil || !slices.Equal(h.Get("x-early"), []string{"yes"}) {
		t.Fatalf("Header() = %v, %v; want x-early: yes before any message", h, err)
	}
	close(proceed)
	s := <-seenCh
	if wire.CodeOf(s.setAfter) != wire.Internal || wire.CodeOf(s.sendAfter) != wire.Internal {
		t.Errorf("after SendHeader: SetHeader = %v, SendHeader = %v; want both INTERNAL", s.setAfter, s.sendAfter)
	}
	if s.peer.Addr == nil || !strings.HasPrefix(s.peer.Addr.String(), "127.0.0.1:") || s.peer.TLS != nil {
		t.Errorf("handler's peer = %+v, want a cleartext loopback address", s.peer)
	}
	if s.method != testsvc.ChatPath {
		t.Errorf("handler's method = %q, want %q", s.method, testsvc.ChatPath)
	}
	if m, err := bs.Recv(); err != nil || m.Value != "done" {
		t.Fatalf("Recv = %v, %v", m, err)
	}
	bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	if h, _ := bs.Header(); h.Get("x-late") != nil {
		t.Error("metadata set after SendHeader reached the client")
	}
}
