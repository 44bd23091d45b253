package server_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/server"
	"grpcwire/wire"
)

// greeter is a service with one method of each call kind, written with the
// typed method constructors; generated stubs build the same ServiceDesc.
func greeter() *server.ServiceDesc {
	return &server.ServiceDesc{
		Name: "example.Greeter",
		Methods: []server.MethodDesc{
			// Unary: one request, one response (or an error status).
			server.UnaryMethod("Hello", func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
				if in.Value == "" {
					return nil, wire.Errorf(wire.InvalidArgument, "name is required")
				}
				return wrapperspb.String("hello, " + in.Value), nil
			}),
			// Server-streaming: one request, responses sent one by one.
			server.ServerStreamingMethod("Count", func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
				for i := int32(1); i <= in.Value; i++ {
					if err := st.Send(wrapperspb.Int32(i)); err != nil {
						return err
					}
				}
				return nil
			}),
			// Client-streaming: requests until io.EOF, then one response.
			server.ClientStreamingMethod("Sum", func(st server.ClientStreamingServer[wrapperspb.Int32Value, wrapperspb.Int32Value]) error {
				var sum int32
				for {
					in, err := st.Recv()
					if err == io.EOF {
						return st.SendAndClose(wrapperspb.Int32(sum))
					}
					if err != nil {
						return err
					}
					sum += in.Value
				}
			}),
			// Bidirectional: each request answered as it arrives.
			server.BidiStreamingMethod("Shout", func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
				for {
					in, err := st.Recv()
					if err == io.EOF {
						return nil
					}
					if err != nil {
						return err
					}
					if err := st.Send(wrapperspb.String(strings.ToUpper(in.Value))); err != nil {
						return err
					}
				}
			}),
		},
	}
}

// Example serves a service with the four call kinds on a loopback port and
// calls each of them with the typed client helpers.
func Example() {
	srv := server.New()
	srv.Register(greeter())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() { srv.Stop(); <-served }()

	cc, err := client.Dial(ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()
	ctx := context.Background()

	hello, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/example.Greeter/Hello", wrapperspb.String("gopher"))
	fmt.Println(hello.GetValue(), err)
	_, err = client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/example.Greeter/Hello", wrapperspb.String(""))
	fmt.Println(wire.CodeOf(err), wire.StatusOf(err).Message)

	var counted []int32
	for n, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, "/example.Greeter/Count", wrapperspb.Int32(3)) {
		if err != nil {
			log.Fatal(err)
		}
		counted = append(counted, n.Value)
	}
	fmt.Println(counted)

	sum, err := client.NewClientStream[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, "/example.Greeter/Sum")
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range []int32{1, 2, 3, 4} {
		sum.Send(wrapperspb.Int32(n))
	}
	total, err := sum.CloseAndRecv()
	fmt.Println("sum:", total.GetValue(), err)

	shout, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/example.Greeter/Shout")
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range []string{"hello", "world"} {
		shout.Send(wrapperspb.String(w))
		m, err := shout.Recv()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Value)
	}
	shout.CloseSend()
	_, err = shout.Recv()
	fmt.Println(err == io.EOF)
	// Output:
	// hello, gopher <nil>
	// INVALID_ARGUMENT name is required
	// [1 2 3]
	// sum: 10 <nil>
	// HELLO
	// WORLD
	// true
}

// ExampleStreamFromContext shows a unary handler that reads the request's
// metadata and sets response headers and trailers through its context.
func ExampleStreamFromContext() {
	hello := server.UnaryMethod("Hello", func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		md := server.MetadataFromContext(ctx)
		server.SetHeader(ctx, wire.NewMetadata("x-request-id", strings.Join(md.Get("x-request-id"), "")))
		server.SetTrailer(ctx, wire.NewMetadata("x-cost", "1"))
		method, _ := server.MethodFromContext(ctx)
		return wrapperspb.String(method), nil
	})
	srv := server.New()
	srv.Register(&server.ServiceDesc{Name: "example.Meta", Methods: []server.MethodDesc{hello}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() { srv.Stop(); <-served }()
	cc, err := client.Dial(ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	var header, trailer wire.Metadata
	res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, "/example.Meta/Hello", wrapperspb.String("x"),
		client.WithMetadata(wire.NewMetadata("x-request-id", "42")), client.Header(&header), client.Trailer(&trailer))
	fmt.Println(res.GetValue(), err)
	fmt.Println(header.Get("x-request-id"), trailer.Get("x-cost"))
	// Output:
	// /example.Meta/Hello <nil>
	// [42] [1]
}
