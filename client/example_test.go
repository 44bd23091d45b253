package client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// exampleServer serves grpcwire's test service on a loopback port: Echo
// (unary), Count (server-streaming), Collect (client-streaming) and Chat
// (bidi). It returns the address and a function that stops the server.
func exampleServer() (addr string, stop func()) {
	srv := server.New()
	srv.Register((&testsvc.Service{}).Desc())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return ln.Addr().String(), func() { srv.Stop(); <-served }
}

// ExampleUnary makes a unary call with a deadline and request metadata.
func ExampleUnary() {
	addr, stop := exampleServer()
	defer stop()
	cc, err := client.Dial(addr)
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var header wire.Metadata
	res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("hello"),
		client.WithMetadata(wire.NewMetadata("mirror-request-id", "42")), client.Header(&header))
	if err != nil {
		// Every error is a *wire.Status: its code says what went wrong.
		log.Fatal(wire.CodeOf(err), err)
	}
	fmt.Println(res.Value, header.Get("mirror-request-id"))
	// Output: hello [42]
}

// ExampleServerStreaming ranges over the responses of a server-streaming
// call; breaking out of the loop would cancel the call.
func ExampleServerStreaming() {
	addr, stop := exampleServer()
	defer stop()
	cc, err := client.Dial(addr)
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	for n, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](context.Background(), cc, testsvc.CountPath, wrapperspb.Int32(3)) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n.Value)
	}
	// Output:
	// 0
	// 1
	// 2
}

// ExampleNewServerStream reads a server-streaming call with a Recv loop,
// then its trailers.
func ExampleNewServerStream() {
	addr, stop := exampleServer()
	defer stop()
	cc, err := client.Dial(addr)
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	ss, err := client.NewServerStream[wrapperspb.Int32Value, wrapperspb.Int32Value](context.Background(), cc, testsvc.CountPath, wrapperspb.Int32(2),
		client.WithMetadata(wire.NewMetadata("mirror-trace", "on")))
	if err != nil {
		log.Fatal(err)
	}
	for {
		n, err := ss.Recv()
		if err == io.EOF {
			break // the call ended with OK
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n.Value)
	}
	fmt.Println(ss.Trailer().Get("mirror-trace"))
	// Output:
	// 0
	// 1
	// [on]
}

// ExampleNewClientStream sends a stream of requests and receives the one
// response with CloseAndRecv.
func ExampleNewClientStream() {
	addr, stop := exampleServer()
	defer stop()
	cc, err := client.Dial(addr)
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CollectPath)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []string{"a", "b", "c"} {
		if err := cs.Send(wrapperspb.String(s)); err != nil {
			break // io.EOF: the server ended the call; CloseAndRecv says how
		}
	}
	res, err := cs.CloseAndRecv()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Value)
	// Output: a,b,c
}

// ExampleNewBidiStream sends from one goroutine while receiving in another.
func ExampleNewBidiStream() {
	addr, stop := exampleServer()
	defer stop()
	cc, err := client.Dial(addr, client.WithUserAgent("example/1.0"))
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.ChatPath,
		client.UseCompressor("gzip"))
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for _, s := range []string{"ping", "pong"} {
			if err := bs.Send(wrapperspb.String(s)); err != nil {
				return
			}
		}
		bs.CloseSend()
	}()
	for {
		m, err := bs.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Value)
	}
	// Output:
	// ping
	// pong
}
