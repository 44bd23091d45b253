package interop_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	pb "grpcwire/interop/grpc_testing"
	"grpcwire/server"
	"grpcwire/wire"
)

// caseTimeout bounds one case; the slowest, the soak cases, take a few
// hundred milliseconds here.
const caseTimeout = 30 * time.Second

// smallSoak keeps the soak cases short in unit tests.
var smallSoak = interop.SoakConfig{
	Iterations:     6,
	Workers:        2,
	MaxLatency:     5 * time.Second,
	OverallTimeout: 20 * time.Second,
	RequestSize:    1024,
	ResponseSize:   2048,
}

// start serves the TestService on a loopback port with opts and returns its
// address; the server stops when the test ends.
func start(t *testing.T, register func(*server.Server), opts ...server.Option) string {
	t.Helper()
	s := server.New(opts...)
	register(s)
	addr := testsvc.Serve(t, s)
	return addr
}

// testService registers the real TestService.
func testService(s *server.Server) { (&interop.TestServer{}).Register(s) }

// dialer returns a dial function for addr and a first connection, closed
// when the test ends.
func dialer(t *testing.T, addr string, opts ...client.Option) (func() (*client.Conn, error), *client.Conn) {
	t.Helper()
	dial := func() (*client.Conn, error) { return client.Dial(addr, opts...) }
	cc, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return dial, cc
}

// runAll runs every case on cc and fails t for each that fails.
func runAll(t *testing.T, cc *client.Conn, dial func() (*client.Conn, error)) {
	t.Helper()
	for _, c := range interop.Cases(smallSoak, dial) {
		t.Run(c.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
			defer cancel()
			if err := c.Run(ctx, cc); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCasesCleartext runs every case against the in-process TestServer over
// cleartext HTTP/2.
func TestCasesCleartext(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := start(t, testService)
	dial, cc := dialer(t, addr)
	runAll(t, cc, dial)
}

// TestCasesTLS runs every case over TLS, the server presenting the test
// certificate and the client trusting the test CA and checking the name
// grpc's interop convention uses.
func TestCasesTLS(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	scfg, err := interop.ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	addr := start(t, testService, server.TLS(scfg))
	ccfg, err := interop.ClientTLSConfig(true, "", interop.TestServerHostOverride)
	if err != nil {
		t.Fatal(err)
	}
	dial, cc := dialer(t, addr, client.WithTLS(ccfg), client.WithAuthority(interop.TestServerHostOverride))
	runAll(t, cc, dial)
}

// TestTLSNeedsTheTestCA checks that the test certificate is not trusted by
// accident: without the test CA the handshake fails, so TestCasesTLS
// really verifies the chain.
func TestTLSNeedsTheTestCA(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	scfg, err := interop.ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	addr := start(t, testService, server.TLS(scfg))
	for name, cfg := range map[string]*tls.Config{
		"system roots": {ServerName: interop.TestServerHostOverride},
		"wrong name":   must(interop.ClientTLSConfig(true, "", "example.com")),
	} {
		t.Run(name, func(t *testing.T) {
			_, cc := dialer(t, addr, client.WithTLS(cfg), client.WithConnectTimeout(5*time.Second))
			err := interop.EmptyUnary(t.Context(), cc)
			if wire.CodeOf(err) != wire.Unavailable || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("empty_unary = %v; want UNAVAILABLE naming the certificate", err)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestLookup walks every case name of the task and of the out-of-scope
// list.
func TestLookup(t *testing.T) {
	names := []string{
		"empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary",
		"client_streaming", "client_compressed_streaming", "server_streaming",
		"server_compressed_streaming", "ping_pong", "empty_stream", "timeout_on_sleeping_server",
		"cancel_after_begin", "cancel_after_first_response", "status_code_and_message",
		"special_status_message", "custom_metadata", "unimplemented_method",
		"unimplemented_service", "rpc_soak", "channel_soak",
	}
	if got := len(interop.Cases(smallSoak, nil)); got != len(names) {
		t.Errorf("Cases has %d cases; want %d", got, len(names))
	}
	for _, n := range names {
		if run, err := interop.Lookup(n, smallSoak, nil); err != nil || run == nil {
			t.Errorf("Lookup(%q) = %v", n, err)
		}
	}
	for n, why := range interop.OutOfScope {
		_, err := interop.Lookup(n, smallSoak, nil)
		if err == nil || !strings.Contains(err.Error(), "out of scope") || !strings.Contains(err.Error(), why) {
			t.Errorf("Lookup(%q) = %v; want an out-of-scope error saying %q", n, err, why)
		}
	}
	if _, err := interop.Lookup("no_such_case", smallSoak, nil); err == nil || !strings.Contains(err.Error(), "unknown test case") {
		t.Errorf("Lookup(no_such_case) = %v; want an unknown-case error", err)
	}
}

// sendHook wraps a server stream to change each message the handler sends.
type sendHook struct {
	server.ServerStream
	change func(server.ServerStream, proto.Message)
}

func (h sendHook) SendMsg(m proto.Message) error {
	h.change(h.ServerStream, m)
	return h.ServerStream.SendMsg(m)
}

// hiding wraps a server stream in a type without RecvMsgCompressed or
// Unwrap, so the TestServer cannot see Compressed-Flags: a server without
// the CompressedRequest feature.
type hiding struct{ server.ServerStream }

// shortPayload takes one byte off every response payload.
func shortPayload(_ server.ServerStream, m proto.Message) {
	switch r := m.(type) {
	case *pb.SimpleResponse:
		r.Payload.Body = r.Payload.Body[:len(r.Payload.Body)-1]
	case *pb.StreamingOutputCallResponse:
		r.Payload.Body = r.Payload.Body[:max(0, len(r.Payload.Body)-1)]
	}
}

// noCompression turns compression off for every response.
func noCompression(st server.ServerStream, _ proto.Message) {
	if s, ok := server.StreamFromContext(st.Context()); ok {
		s.SetCompressMessages(false)
	}
}

// TestCasesCatchFaults runs cases against servers that each get one feature
// wrong, and checks the case fails and says why: the cases cannot pass
// vacuously.
func TestCasesCatchFaults(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	hook := func(change func(server.ServerStream, proto.Message)) server.Option {
		return server.ChainStreamInterceptor(func(st server.ServerStream, _ *server.CallInfo, next server.StreamHandler) error {
			return next(sendHook{st, change})
		})
	}
	onlyUnimplementedCall := func(s *server.Server) {
		s.Register(&server.ServiceDesc{Name: pb.TestService_ServiceName, Methods: []server.MethodDesc{
			server.UnaryMethod("UnimplementedCall", func(context.Context, *pb.Empty) (*pb.Empty, error) { return &pb.Empty{}, nil }),
		}})
		pb.RegisterUnimplementedServiceServer(s, okUnimplemented{})
	}
	for _, tc := range []struct {
		fault    string
		register func(*server.Server)
		opts     []server.Option
		cases    []string
		want     string // in the error
	}{
		{"payloads one byte short", testService, []server.Option{hook(shortPayload)},
			[]string{"large_unary", "server_streaming", "ping_pong", "custom_metadata", "server_compressed_unary", "rpc_soak"},
			"bytes, want"},
		{"no response compression", testService, []server.Option{hook(noCompression)},
			[]string{"server_compressed_unary", "server_compressed_streaming"},
			"Compressed-Flag is false; want true"},
		{"no CompressedRequest feature", testService, []server.Option{server.ChainStreamInterceptor(
			func(st server.ServerStream, _ *server.CallInfo, next server.StreamHandler) error {
				return next(hiding{st})
			})},
			[]string{"client_compressed_unary", "client_compressed_streaming"},
			"does not implement the CompressedRequest feature"},
		{"statuses swallowed", testService, []server.Option{server.ChainStreamInterceptor(
			func(st server.ServerStream, _ *server.CallInfo, next server.StreamHandler) error {
				if err := next(st); err != nil && wire.CodeOf(err) == wire.Unknown {
					return nil
				}
				return nil
			})},
			[]string{"status_code_and_message", "special_status_message"},
			"want status UNKNOWN"},
		{"everything implemented", onlyUnimplementedCall, nil,
			[]string{"unimplemented_method", "unimplemented_service"},
			"succeeded; want status UNIMPLEMENTED"},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			addr := start(t, tc.register, tc.opts...)
			dial, cc := dialer(t, addr)
			for _, name := range tc.cases {
				run, err := interop.Lookup(name, smallSoak, dial)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
				err = run(ctx, cc)
				cancel()
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s against a server with %s: %v; want an error containing %q", name, tc.fault, err, tc.want)
				}
			}
		})
	}
}

// okUnimplemented answers UnimplementedCall, which no interop server should.
type okUnimplemented struct{}

func (okUnimplemented) UnimplementedCall(context.Context, *pb.Empty) (*pb.Empty, error) {
	return &pb.Empty{}, nil
}

// TestSoakVerdicts walks the soak cases' verdicts: the worker split, the
// latency bound, the failure allowance and the overall timeout.
func TestSoakVerdicts(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := start(t, testService)
	dial, cc := dialer(t, addr)
	base := smallSoak
	for _, tc := range []struct {
		name   string
		change func(*interop.SoakConfig)
		want   string // in the error; "" for a pass
	}{
		{"defaults of the test", func(*interop.SoakConfig) {}, ""},
		{"uneven split", func(c *interop.SoakConfig) { c.Iterations, c.Workers = 3, 2 }, "cannot be spread evenly"},
		{"too slow", func(c *interop.SoakConfig) { c.MaxLatency = time.Nanosecond }, "max acceptable latency"},
		{"too slow but allowed", func(c *interop.SoakConfig) { c.MaxLatency, c.MaxFailures = time.Nanosecond, c.Iterations }, ""},
		{"overall timeout", func(c *interop.SoakConfig) {
			c.OverallTimeout, c.MinTimeBetweenRPCs = 100*time.Millisecond, time.Second
		}, "overall timeout"},
	} {
		for _, name := range []string{"rpc_soak", "channel_soak"} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				cfg := base
				tc.change(&cfg)
				run, err := interop.Lookup(name, cfg, dial)
				if err != nil {
					t.Fatal(err)
				}
				err = run(t.Context(), cc)
				if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
					t.Fatalf("%s = %v; want %q", name, err, tc.want)
				}
			})
		}
	}
}

// TestLookupNegative: the six negative HTTP/2 cases are found by name, and
// an unknown name lists them.
func TestLookupNegative(t *testing.T) {
	names := []string{"goaway", "rst_after_header", "rst_during_data", "rst_after_data", "ping", "max_streams"}
	if got := len(interop.NegativeCases()); got != len(names) {
		t.Errorf("NegativeCases has %d cases; want %d", got, len(names))
	}
	for _, n := range names {
		if run, err := interop.Lookup(n, smallSoak, nil); err != nil || run == nil {
			t.Errorf("Lookup(%q) = %v", n, err)
		}
	}
	if _, err := interop.Lookup("no_such_case", smallSoak, nil); err == nil || !strings.Contains(err.Error(), "against a negative HTTP/2 server [goaway rst_after_header") {
		t.Errorf("Lookup(no_such_case) = %v; want the negative cases listed", err)
	}
}
