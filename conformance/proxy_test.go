package conformance

// grpcwire proxy, the wire tap, between two implementations that are not
// grpcwire's: grpc-go's client calling grpc-go's server (the Echo server
// with grpc-go's reflection, a program of its own) through the built
// grpcwire command, and grpcurl calling users-server through it.

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/trace/tracetest"
)

// proxyListening is the proxy's first line, naming its address.
var proxyListening = regexp.MustCompile(`grpcwire proxy: listening on (\S+) `)

// startProxyProc starts the built "grpcwire proxy -listen 127.0.0.1:0 args..."
// and returns it once it listens; its output is the trace.
func startProxyProc(t *testing.T, bin string, args ...string) (*proc, string) {
	t.Helper()
	p := startProc(t, "grpcwire proxy", bin, append([]string{"proxy", "-listen", "127.0.0.1:0"}, args...)...)
	return p, p.waitLine(t, proxyListening)[1]
}

// waitHangUps waits until the proxy has told of both ends of its
// connections: two notes each (who hung up first, then the other side).
func waitHangUps(t *testing.T, p *proc, conns int) {
	t.Helper()
	p.waitUntil(t, fmt.Sprintf("telling of both ends of its %d connections", conns), runTimeout, func(out string) bool {
		return strings.Count(out, " note: ") >= 2*conns
	})
}

// dialGrpcGo returns a grpc-go client of addr, closed when the test ends.
func dialGrpcGo(t *testing.T, addr string) *grpcGoCaller {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return &grpcGoCaller{cc: cc, c: echogrpc.NewEchoClient(cc)}
}

// sameOutcome reports how two outcomes of the same call differ, or "".
func sameOutcome(a, b outcome) string {
	switch {
	case a.code != b.code || a.message != b.message:
		return fmt.Sprintf("status %d %q, and %d %q", a.code, a.message, b.code, b.message)
	case len(a.responses) != len(b.responses):
		return fmt.Sprintf("%d responses, and %d", len(a.responses), len(b.responses))
	case fmt.Sprint(a.header) != fmt.Sprint(b.header) || fmt.Sprint(a.trailer) != fmt.Sprint(b.trailer):
		return fmt.Sprintf("header %v trailer %v, and header %v trailer %v", a.header, a.trailer, b.header, b.trailer)
	}
	for i := range a.responses {
		if !proto.Equal(a.responses[i], b.responses[i]) {
			return fmt.Sprintf("response %d is %v, and %v", i, a.responses[i], b.responses[i])
		}
	}
	return ""
}

// TestProxyGRPCGo puts the proxy between grpc-go's client and grpc-go's
// server: the four call kinds (with metadata both ways, and a status) give
// exactly what they give without the proxy, and the trace holds grpc-go's
// own frames, from both sides: its user-agent, its SETTINGS, the
// WINDOW_UPDATEs and BDP pings its client sends as a large stream arrives,
// the server's acks, and the messages decoded with the types the server's
// reflection gave the proxy (the command links none of the Echo protos).
func TestProxyGRPCGo(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	echo := startEchoServer(t, progs, "both")
	p, addr := startProxyProc(t, progs.grpcwire, "-plaintext", "-trace-times=false", "-trace-values", echo)
	direct, proxied := dialGrpcGo(t, echo), dialGrpcGo(t, addr)

	md := callOpts{md: map[string][]string{"x-echo-header-a": {"1"}, "x-echo-trailer-b-bin": {"\x00\x01\x02"}}}
	reqs := []*echopb.EchoRequest{
		{Payload: []byte("hi"), ResponseCount: 2, EchoMetadata: true},
		{Payload: []byte("no"), Status: &echopb.ResponseStatus{Code: 9, Message: "not now"}},
	}
	for _, k := range callKinds {
		for _, req := range reqs {
			// No deadline, which the server would see (and answer) in
			// deadline_left_ms: the timer only ends a call that hangs.
			ctx, cancel := context.WithCancel(context.Background())
			stop := time.AfterFunc(runTimeout, cancel)
			want := call(ctx, direct, k, md, req)
			got := call(ctx, proxied, k, md, req)
			stop.Stop()
			cancel()
			if d := sameOutcome(got, want); d != "" {
				t.Errorf("%s %v through the proxy and without it: %s", k, req, d)
			}
			if req.Status == nil && (got.code != 0 || len(got.responses) != expectedResponses(k, req)) {
				t.Errorf("%s: %v", k, got)
			}
		}
	}
	// A large stream: 2 MiB, which grpc-go's client acknowledges with
	// WINDOW_UPDATEs and measures with BDP pings.
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	big := proxied.serverStream(ctx, callOpts{}, &echopb.EchoRequest{ResponseSize: 64 << 10, ResponseCount: 32})
	cancel()
	if big.code != 0 || len(big.responses) != 32 {
		t.Fatalf("the large stream: %v", big)
	}
	proxied.cc.Close()
	waitHangUps(t, p, 1)

	out := p.out.String()
	conn := tracetest.Canonical(out)
	for _, want := range []string{
		"c1 connection: client 127.0.0.1:",
		", server " + echo + ", traced at the proxy\n",
		"      user-agent = grpc-go/1.85.0\n",
		"      :path = /grpcwire.conformance.Echo/Unary\n",
		"      :path = /grpcwire.conformance.Echo/Bidi\n",
		"      x-echo-trailer-b-bin = AAEC\n",
		// The request and response decoded through grpc-go's reflection.
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=8 grpcwire.conformance.EchoRequest\n" +
			"        payload: \"hi\"\n" +
			"        response_count: 2\n" +
			"        echo_metadata: true\n",
		"grpcwire.conformance.EchoResponse\n        payload: \"hi\"\n",
		"        server: \"grpc-go\"\n",
		"      grpc-status = 9  # FAILED_PRECONDITION\n",
		"      grpc-message = not now\n",
		// grpc-go's client: its BDP ping, the server's ack, its window
		// updates on the connection and on the large stream.
		"c1 -> PING          stream=0 len=8 data=02041010090e0707\n",
		"c1 <- PING          stream=0 flags=ACK len=8 data=02041010090e0707\n",
		"c1 -> WINDOW_UPDATE stream=0 len=4 increment=",
		"c1 <- SETTINGS      stream=0 len=",
	} {
		if !strings.Contains(conn, want) {
			t.Errorf("the trace lacks %q", want)
		}
	}
	// grpc-go's client closes its connection with a FIN, or with a reset
	// when frames it did not read were still coming.
	if !strings.Contains(out, "c1 note: the client closed its connection after sending ") &&
		!strings.Contains(out, "c1 note: the connection to the client failed after it sent ") {
		t.Errorf("the trace does not say the client hung up")
	}
	streamWU := regexp.MustCompile(`c1 -> WINDOW_UPDATE stream=[1-9][0-9]* len=4 increment=`)
	if !streamWU.MatchString(out) {
		t.Errorf("the trace has no WINDOW_UPDATE of grpc-go's client on a stream")
	}
	if strings.Contains(out, "c2 ") || strings.Contains(out, "(!)") || strings.Contains(out, "no longer decoded") {
		t.Errorf("the trace has a second connection or a problem")
	}
	if t.Failed() {
		t.Logf("the proxy's output:\n%s", out)
	}
}

// TestProxyConcurrent makes 100 concurrent calls from grpc-go's client,
// one connection, through the proxy to grpc-go's server: all succeed, and
// the trace follows the one connection's 100 streams, each with its
// request and response decoded.
func TestProxyConcurrent(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	echo := startEchoServer(t, progs, "both")
	p, addr := startProxyProc(t, progs.grpcwire, "-plaintext", "-trace-times=false", echo)
	c := dialGrpcGo(t, addr)
	const calls = 100
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	// The first call sees the service through reflection; the others
	// start together.
	if o := c.unary(ctx, callOpts{}, &echopb.EchoRequest{Payload: []byte("first")}); o.code != 0 {
		t.Fatal(o)
	}
	var wg sync.WaitGroup
	fails := make(chan string, calls)
	start := make(chan struct{})
	for i := range calls {
		wg.Go(func() {
			<-start
			payload := []byte(fmt.Sprintf("call %03d", i))
			o := c.unary(ctx, callOpts{}, &echopb.EchoRequest{Payload: payload, SleepMs: 50})
			if o.code != 0 || len(o.responses) != 1 || string(o.responses[0].GetPayload()) != string(payload) {
				fails <- fmt.Sprintf("call %d: %v", i, o)
			}
		})
	}
	close(start)
	wg.Wait()
	close(fails)
	for f := range fails {
		t.Error(f)
	}
	c.cc.Close()
	waitHangUps(t, p, 1)
	out := p.out.String()
	if strings.Count(out, " connection: client ") != 1 {
		t.Errorf("the calls went over %d connections, want 1", strings.Count(out, " connection: client "))
	}
	for i := range calls {
		want := fmt.Sprintf("grpcwire.conformance.EchoRequest\n        payload: \"call %03d\"\n", i)
		if strings.Count(out, want) != 1 {
			t.Errorf("the trace does not decode the request of call %d once", i)
		}
	}
	if n := strings.Count(out, "  # Trailers\n"); n != calls+1 {
		t.Errorf("%d trailers in the trace, want %d", n, calls+1)
	}
	if strings.Contains(out, "messages not decoded") {
		t.Errorf("the trace gave up following some streams")
	}
}

// TestProxyDescriptorSources checks where the built proxy finds the message
// types: the -proto files for a server without reflection, nowhere with
// -reflection=false (the messages are shown as bytes), and not at all when
// the server offers no reflection (said, and shown as bytes).
func TestProxyDescriptorSources(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	none := startEchoServer(t, progs, "none")
	both := startEchoServer(t, progs, "both")
	protoDir, err := filepath.Abs("echopb")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		target string
		want   []string
	}{
		{"-proto", []string{"-proto", "echo.proto", "-I", protoDir}, none, []string{"grpcwire.conformance.EchoRequest\n        payload: \"hi\"\n"}},
		{"-reflection=false", []string{"-reflection=false"}, both, []string{
			"(not decoded: the proxy runs with -reflection=false and no -proto or -protoset)\n",
			"        its 4 bytes: 0a 02 68 69\n"}},
		{"no reflection", nil, none, []string{"(not decoded: the server at " + none + " does not offer server reflection", "        its 4 bytes: 0a 02 68 69\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, addr := startProxyProc(t, progs.grpcwire, append(append([]string{"-plaintext", "-trace-times=false"}, tc.args...), tc.target)...)
			c := dialGrpcGo(t, addr)
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			if o := c.unary(ctx, callOpts{}, &echopb.EchoRequest{Payload: []byte("hi")}); o.code != 0 {
				t.Fatal(o)
			}
			c.cc.Close()
			waitHangUps(t, p, 1)
			for _, w := range tc.want {
				if !strings.Contains(p.out.String(), w) {
					t.Errorf("the trace lacks %q:\n%s", w, p.out)
				}
			}
		})
	}
}

// TestProxyGrpcurl runs the README's commands of "Watching two other
// implementations": grpcurl, through the proxy, calling users-server. The
// call prints what it prints without the proxy, and the trace shows
// grpcurl's reflection questions and its call, decoded.
func TestProxyGrpcurl(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	users := buildGrpcwire(t, "users-server")["users-server"]
	_, target := startUsersServer(t, users)
	p, addr := startProxyProc(t, progs.grpcwire, "-plaintext", "-trace-times=false", target)
	grpcurl := goTool(t, "github.com/fullstorydev/grpcurl/cmd/grpcurl")
	direct := run(t, grpcurl, "-plaintext", "-d", `{"username": "tom"}`, target, "users.Users/CreateUser")
	proxied := run(t, grpcurl, "-plaintext", "-d", `{"username": "tom"}`, addr, "users.Users/CreateUser")
	if proxied.code != 0 || proxied.out != direct.out || !strings.Contains(proxied.out, `"username": "tom"`) {
		t.Errorf("grpcurl through the proxy: %d\n%s\nwithout it:\n%s", proxied.code, proxied.out, direct.out)
	}
	waitHangUps(t, p, 1)
	out := p.out.String()
	for _, want := range []string{
		"      user-agent = grpcurl/",
		"      :path = /grpc.reflection.v1.ServerReflection/ServerReflectionInfo\n",
		"        file_containing_symbol: \"users.Users\"\n",
		"      :path = /users.Users/CreateUser\n",
		"users.CreateUserRequest\n        username: \"tom\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the trace lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("the proxy's output:\n%s", out)
	}
}
