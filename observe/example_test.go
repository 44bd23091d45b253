package observe_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/observe"
	"grpcwire/server"
)

// frameCounter is an Observer of one's own: it counts the HEADERS and DATA
// frames a connection writes. The engine calls ObserveFrame from the
// connection's reader and writer goroutines, so it locks.
type frameCounter struct {
	mu              sync.Mutex
	headers, data   int
	requestPathSeen string
}

func (c *frameCounter) ObserveFrame(ev *observe.FrameEvent) {
	if !ev.Sent {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Header.Type {
	case http2.FrameHeaders:
		c.headers++
		for _, f := range ev.Fields {
			if f.Name == ":path" {
				c.requestPathSeen = f.Value
			}
		}
	case http2.FrameData:
		c.data++
	}
}

// Example counts the frames the client writes for one unary call: a HEADERS
// frame with the Request-Headers, and one DATA frame with the message and
// END_STREAM.
func Example() {
	srv := server.New()
	srv.Register((&testsvc.Service{}).Desc())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() { srv.Stop(); <-served }()

	counter := &frameCounter{}
	cc, err := client.Dial(ln.Addr().String(), client.WithFrameObserver(func(client.ConnInfo) observe.Observer { return counter }))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("hi")); err != nil {
		log.Fatal(err)
	}
	cc.Close()

	counter.mu.Lock()
	defer counter.mu.Unlock()
	fmt.Println("HEADERS:", counter.headers, "DATA:", counter.data, "path:", counter.requestPathSeen)
	// Output: HEADERS: 1 DATA: 1 path: /grpcwire.testing.Test/Echo
}
