package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestServeContext: ServeContext serves until its context ends, then stops
// gracefully: a call in flight finishes with OK, the shutdown hooks run,
// and it returns nil. A listener that fails ends it with that error.
func TestServeContext(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	inCall, release := make(chan struct{}), make(chan struct{})
	svc := &testsvc.Service{Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		close(inCall)
		<-release
		return in, nil
	}}
	srv := server.New()
	srv.Register(svc.Desc())
	hooked := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(hooked) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.ServeContext(ctx, ln, time.Minute) }()

	cc := testsvc.Dial(t, ln.Addr().String())
	call := testsvc.Go(t, func() error {
		_, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.EchoPath, wrapperspb.String("in flight"))
		return err
	})
	<-inCall
	cancel()
	<-hooked // the graceful stop has begun, with the call still running
	close(release)
	if err := call(); err != nil {
		t.Errorf("the call in flight: %v, want OK", err)
	}
	if err := <-served; err != nil {
		t.Errorf("ServeContext after its context ended = %v, want nil", err)
	}
	if _, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.EchoPath, wrapperspb.String("late")); wire.CodeOf(err) != wire.Unavailable {
		t.Errorf("a call after the stop: %v, want UNAVAILABLE", err)
	}

	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln2.Close()
	if err := server.New().ServeContext(context.Background(), ln2, time.Minute); err == nil {
		t.Error("ServeContext on a closed listener = nil, want its accept error")
	}
}
