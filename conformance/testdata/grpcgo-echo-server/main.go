// Command grpcgo-echo-server serves the conformance module's Echo service
// with stock grpc-go and grpc-go's own server reflection, for the tests of
// the grpcwire command (grpcwire_cli_test.go). It is a program of its own,
// built by those tests, because a test binary of the conformance module
// cannot link grpc-go's reflection: grpcwire's reflection package, which
// other tests use, registers the same protobuf names.
//
// It lives under testdata so that "go test ./..." and "go vet ./..." leave
// it alone; the tests build it by its path.
//
// Flags:
//
//	-addr        the address to listen on ("127.0.0.1:0" picks a free port)
//	-reflection  both (v1 and v1alpha), v1alpha (only the older one), or none
//
// It prints "grpcgo-echo-server: listening on ADDR" once it accepts
// connections and stops on SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"
	v1alphareflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/conformance/echoserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "the address to listen on")
	refl := flag.String("reflection", "both", "the reflection services to offer: both, v1alpha or none")
	flag.Parse()

	s := grpc.NewServer()
	echogrpc.RegisterEchoServer(s, &echoserver.GRPCGo{})
	switch *refl {
	case "both":
		reflection.Register(s)
	case "v1alpha":
		v1alphareflectiongrpc.RegisterServerReflectionServer(s, reflection.NewServer(reflection.ServerOptions{Services: s}))
	case "none":
	default:
		fmt.Fprintf(os.Stderr, "grpcgo-echo-server: -reflection %q: want both, v1alpha or none\n", *refl)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcgo-echo-server:", err)
		os.Exit(1)
	}
	fmt.Printf("grpcgo-echo-server: listening on %s\n", ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		s.Stop()
	}()
	if err := s.Serve(ln); err != nil && err != grpc.ErrServerStopped {
		fmt.Fprintln(os.Stderr, "grpcgo-echo-server:", err)
		os.Exit(1)
	}
}
