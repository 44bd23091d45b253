// Command grpcgo-echo-client makes one call of the conformance module's Echo
// service with stock grpc-go's client, as any program using grpc-go would,
// for the test that shows grpc-go's frames through grpcwire proxy in the
// README (proxy_readme_test.go). It is a program of its own so that the
// call is grpc-go's with nothing of the test binary's registered in it
// (the compressors the conformance tests add to grpc-go would show in
// grpc-accept-encoding).
//
// It lives under testdata so that "go test ./..." and "go vet ./..." leave
// it alone; the test builds it by its path.
//
// Flags:
//
//	-addr       the server's address
//	-authority  the :authority to send (the -addr by default)
//	-payload    the request's payload ("hi")
//
// It prints the response in protobuf text format, then keeps its
// connection open until its stdin ends, so that the test decides when the
// connection closes; it exits 1 when the call fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/prototext"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
)

func main() {
	addr := flag.String("addr", "", "the server's address")
	authority := flag.String("authority", "", "the :authority to send")
	payload := flag.String("payload", "hi", "the request's payload")
	flag.Parse()

	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if *authority != "" {
		opts = append(opts, grpc.WithAuthority(*authority))
	}
	cc, err := grpc.NewClient(*addr, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcgo-echo-client:", err)
		os.Exit(1)
	}
	res, err := echogrpc.NewEchoClient(cc).Unary(context.Background(), &echopb.EchoRequest{Payload: []byte(*payload)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcgo-echo-client:", err)
		os.Exit(1)
	}
	fmt.Print(prototext.Format(res))
	fmt.Println()
	_, _ = io.Copy(io.Discard, os.Stdin)
	cc.Close()
}
