package conformance

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"grpcwire/client"
	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/conformance/echoserver"
	"grpcwire/server"
)

// An implementation is one side of a pair: grpc-go or grpcwire.
type implementation int

const (
	grpcGo implementation = iota
	grpcWire
)

func (i implementation) String() string {
	if i == grpcGo {
		return "grpcgo"
	}
	return "grpcwire"
}

// serverName is what the implementation's Echo puts in EchoResponse.server.
func (i implementation) serverName() string {
	if i == grpcGo {
		return echoserver.NameGRPCGo
	}
	return echoserver.NameGRPCWire
}

// direction is a client implementation calling a server implementation.
// interop says whether the pair mixes the two libraries; the others are
// controls, whose failures point at the test or at one library alone.
type direction struct {
	client, server implementation
}

func (d direction) String() string { return d.client.String() + "_to_" + d.server.String() }
func (d direction) interop() bool  { return d.client != d.server }

// directions are the pairs every table runs against: the two interop
// directions first, then grpc-go against itself as the reference and
// grpcwire against itself.
var directions = []direction{
	{client: grpcGo, server: grpcWire},
	{client: grpcWire, server: grpcGo},
	{client: grpcGo, server: grpcGo},
	{client: grpcWire, server: grpcWire},
}

// serverConfig is what a test changes about a pair's server.
type serverConfig struct {
	maxRecv int // limit on one request message; 0 keeps the library's default
}

// pair is a running server and a client connected to it.
type pair struct {
	dir    direction
	addr   string
	rec    *echoserver.Recorder
	tap    *wireTap
	client caller
	// stop stops the server at once, as the test's cleanup also does.
	stop func()
	// gracefulStop stops the server gracefully (GOAWAY, then waiting for
	// the calls in flight) and returns when it has stopped.
	gracefulStop func()
}

// forEachDirection runs body as a subtest for every direction, each with a
// fresh pair and a leak check.
func forEachDirection(t *testing.T, cfg serverConfig, body func(t *testing.T, p *pair)) {
	forDirections(t, directions, cfg, body)
}

// withoutGRPCGoControl is every direction but grpc-go against itself, for
// tests too slow to spend on checking grpc-go alone.
var withoutGRPCGoControl = directions[:2:2]

func init() {
	withoutGRPCGoControl = append(withoutGRPCGoControl, direction{client: grpcWire, server: grpcWire})
}

// forDirections runs body as a subtest for each of dirs.
func forDirections(t *testing.T, dirs []direction, cfg serverConfig, body func(t *testing.T, p *pair)) {
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			checkNoLeaks(t)
			body(t, startPair(t, d, cfg))
		})
	}
}

// startPair starts d's server on a loopback port and connects d's client.
// Both end in t's cleanup.
func startPair(t *testing.T, d direction, cfg serverConfig) *pair {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pair{dir: d, addr: ln.Addr().String(), rec: &echoserver.Recorder{}, tap: &wireTap{}}
	tl := &tapListener{Listener: ln, tap: p.tap}
	switch d.server {
	case grpcGo:
		var opts []grpc.ServerOption
		if cfg.maxRecv > 0 {
			opts = append(opts, grpc.MaxRecvMsgSize(cfg.maxRecv))
		}
		s := grpc.NewServer(opts...)
		echogrpc.RegisterEchoServer(s, &echoserver.GRPCGo{Rec: p.rec})
		served := make(chan error, 1)
		go func() { served <- s.Serve(tl) }()
		wait := sync.OnceFunc(func() {
			if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				t.Errorf("grpc-go Serve: %v", err)
			}
		})
		p.stop = func() { s.Stop(); wait() }
		p.gracefulStop = func() { s.GracefulStop(); wait() }
	case grpcWire:
		var opts []server.Option
		if cfg.maxRecv > 0 {
			opts = append(opts, server.MaxRecvMsgSize(cfg.maxRecv))
		}
		s := server.New(opts...)
		echopb.RegisterEchoServer(s, &echoserver.Wire{Rec: p.rec})
		served := make(chan error, 1)
		go func() { served <- s.Serve(tl) }()
		wait := sync.OnceFunc(func() {
			if err := <-served; err != nil && !errors.Is(err, server.ErrServerStopped) {
				t.Errorf("grpcwire Serve: %v", err)
			}
		})
		p.stop = func() { s.Stop(); wait() }
		p.gracefulStop = func() {
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			defer cancel()
			s.GracefulStop(ctx)
			wait()
		}
	}
	t.Cleanup(p.stop)

	switch d.client {
	case grpcGo:
		cc, err := grpc.NewClient("passthrough:///"+p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		p.client = &grpcGoCaller{cc: cc, c: echogrpc.NewEchoClient(cc)}
	case grpcWire:
		cc, err := client.Dial(p.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		p.client = &wireCaller{cc: cc, c: echopb.NewEchoClient(cc)}
	}
	return p
}

// callTimeout bounds every call a test makes, so that a hang fails the test
// with a status instead of stalling the run.
const callTimeout = 10 * time.Second

// callContext returns the context a test's calls run in.
func callContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}
