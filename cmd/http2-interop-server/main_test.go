package main

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	pb "grpcwire/interop/grpc_testing"
)

// Bounds of these tests: generous, for a loaded machine.
const (
	buildTimeout = 5 * time.Minute
	clientRun    = 90 * time.Second
)

// listening is the server's first line.
var listening = regexp.MustCompile(`^http2-interop-server: listening on (\S+) \(test_case=`)

// start runs the server of testCase on a loopback port and returns its
// address and log; the test's cleanup stops it as SIGTERM does.
func start(t *testing.T, testCase string) (string, *testio.Buffer) {
	t.Helper()
	log := &testio.Buffer{}
	stop, _ := testsvc.Background(t, func(ctx context.Context) error { return run(ctx, "127.0.0.1:0", testCase, log) })
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	m := listening.FindStringSubmatch(log.WaitFor(t, " (test_case="+testCase+")"))
	if m == nil {
		t.Fatalf("no address in the server's first line:\n%s", log)
	}
	return m[1], log
}

// rawClient connects a scripted HTTP/2 client to addr and completes the
// preface exchange.
func rawClient(t *testing.T, addr string) *h2test.Peer {
	t.Helper()
	p := testsvc.RawClient(t, addr)
	p.Handshake()
	return p
}

// responseSize is what the frame-level tests ask for: small enough that
// the whole response fits in HTTP/2's initial window.
const responseSize = 1000

// request writes a UnaryCall asking for responseSize bytes on stream id.
func request(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	p.WriteGRPCRequestHeaders(id, "/grpc.testing.TestService/UnaryCall", false)
	msg, err := proto.Marshal(&pb.SimpleRequest{ResponseSize: responseSize, Payload: &pb.Payload{Body: make([]byte, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	p.WriteGRPCMessage(id, true, false, msg)
}

// responseLen is the length of the framed response to request.
func responseLen() int {
	return len(response(&pb.SimpleRequest{ResponseSize: responseSize}))
}

// expectResponseHeaders checks the Python server's Response-Headers.
func expectResponseHeaders(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	h := p.ExpectHeaders(id, false)
	for name, want := range map[string]string{":status": "200", "content-type": "application/grpc", "grpc-encoding": "identity", "grpc-accept-encoding": "identity,deflate,gzip"} {
		if got := h.Get(name); got != want {
			t.Errorf("Response-Headers %s = %q, want %q", name, got, want)
		}
	}
}

// expectDataUntilRST reads DATA frames on stream id up to its RST_STREAM
// NO_ERROR and returns how many bytes came.
func expectDataUntilRST(t *testing.T, p *h2test.Peer, id uint32) int {
	t.Helper()
	n := 0
	for {
		switch f := p.ReadFrame().(type) {
		case *http2.DataFrame:
			if f.StreamID != id || f.StreamEnded() {
				t.Fatalf("DATA on stream %d (END_STREAM %v), want DATA without END_STREAM on %d\n%s", f.StreamID, f.StreamEnded(), id, p.FrameLog())
			}
			n += len(f.Data())
		case *http2.RSTStreamFrame:
			if f.StreamID != id || f.ErrCode != http2.ErrCodeNo {
				t.Fatalf("RST_STREAM %v on stream %d, want NO_ERROR on %d", f.ErrCode, f.StreamID, id)
			}
			return n
		case *http2.WindowUpdateFrame, *http2.SettingsFrame:
		default:
			t.Fatalf("unexpected %T\n%s", f, p.FrameLog())
		}
	}
}

// TestFrames pins each case's frames as the description and the Python
// server have them.
func TestFrames(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	t.Run("goaway", func(t *testing.T) {
		addr, _ := start(t, "goaway")
		p := rawClient(t, addr)
		request(t, p, 1)
		expectResponseHeaders(t, p, 1)
		if msg, _ := p.ExpectGRPCMessage(1); msg.Compressed {
			t.Error("the response is compressed")
		}
		p.ExpectGRPCStatus(1, 0)
		if g := p.ExpectGoAway(http2.ErrCodeNo); g.LastStreamID != 1 {
			t.Errorf("GOAWAY's last stream id %d, want 1", g.LastStreamID)
		}
	})
	t.Run("rst_after_header", func(t *testing.T) {
		addr, _ := start(t, "rst_after_header")
		p := rawClient(t, addr)
		request(t, p, 1)
		expectResponseHeaders(t, p, 1)
		p.ExpectRST(1, http2.ErrCodeNo)
		// The request's DATA after the reset costs the connection nothing.
		p.WritePing(false, [8]byte{7})
		if p.ExpectPing(true) != [8]byte{7} {
			t.Error("PING answered with other data")
		}
	})
	t.Run("rst_during_data", func(t *testing.T) {
		addr, _ := start(t, "rst_during_data")
		p := rawClient(t, addr)
		request(t, p, 1)
		expectResponseHeaders(t, p, 1)
		if n, want := expectDataUntilRST(t, p, 1), responseLen()/2; n != want {
			t.Errorf("%d bytes before the RST_STREAM, want half the message, %d", n, want)
		}
	})
	t.Run("rst_after_data", func(t *testing.T) {
		addr, _ := start(t, "rst_after_data")
		p := rawClient(t, addr)
		request(t, p, 1)
		expectResponseHeaders(t, p, 1)
		if n, want := expectDataUntilRST(t, p, 1), responseLen(); n != want {
			t.Errorf("%d bytes before the RST_STREAM, want the whole message, %d", n, want)
		}
	})
	t.Run("ping", func(t *testing.T) {
		addr, log := start(t, "ping")
		p := rawClient(t, addr)
		request(t, p, 1)
		ack := func() { p.WritePing(true, p.ExpectPing(false)) }
		ack()
		expectResponseHeaders(t, p, 1)
		ack()
		ack()
		p.ExpectGRPCMessage(1)
		ack()
		p.ExpectGRPCStatus(1, 0)
		p.Close()
		log.WaitFor(t, "ping: PASS: connection 1 closed with all of its 4 PINGs acknowledged")
	})
	t.Run("ping not acknowledged", func(t *testing.T) {
		addr, log := start(t, "ping")
		p := rawClient(t, addr)
		request(t, p, 1)
		// Read to the trailers, answering no PING: by then all four are out.
		for {
			if h, ok := p.ReadFrame().(*h2test.Headers); ok && h.EndStream {
				break
			}
		}
		p.Close()
		log.WaitFor(t, "ping: FAIL: connection 1 closed with 4 of its 4 PINGs unacknowledged")
	})
	t.Run("max_streams", func(t *testing.T) {
		addr, log := start(t, "max_streams")
		p := rawClient(t, addr)
		if s := p.ExpectSettings(); len(s) != 1 || s[0] != (http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1}) {
			t.Fatalf("second SETTINGS %v, want MAX_CONCURRENT_STREAMS 1", s)
		}
		p.WriteSettingsAck()
		request(t, p, 1)
		expectResponseHeaders(t, p, 1)
		p.ExpectGRPCMessage(1)
		p.ExpectGRPCStatus(1, 0)
		// Two streams at once: the second is over the limit.
		p.WriteGRPCRequestHeaders(3, "/grpc.testing.TestService/UnaryCall", false)
		p.WriteGRPCRequestHeaders(5, "/grpc.testing.TestService/UnaryCall", false)
		expectResponseHeaders(t, p, 3)
		p.ExpectRST(5, http2.ErrCodeRefusedStream)
		log.WaitFor(t, "max_streams: FAIL: connection 1: the client opened stream 5 with 1 streams open, over SETTINGS_MAX_CONCURRENT_STREAMS 1")
	})
}

// TestRunErrors: an unknown case and a port in use are errors, before any
// connection.
func TestRunErrors(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	if err := run(context.Background(), "127.0.0.1:0", "no_such_case", &testio.Buffer{}); err == nil || !strings.Contains(err.Error(), "the cases are goaway, max_streams, ping, rst_after_data, rst_after_header, rst_during_data") {
		t.Errorf("unknown case: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := run(context.Background(), ln.Addr().String(), "ping", &testio.Buffer{}); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Errorf("port in use: %v", err)
	}
}

// TestInteropClient runs grpcwire's interop-client, built from this
// module, against the server for each of the six cases: the client passes
// every one, and the server's own assertions hold.
func TestInteropClient(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bin := filepath.Join(t.TempDir(), "interop-client")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "grpcwire/cmd/interop-client").CombinedOutput(); err != nil {
		t.Fatalf("go build grpcwire/cmd/interop-client: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name string
		// serverSays is a line of the server's assertions the case must
		// produce.
		serverSays string
	}{
		{"goaway", "goaway: PASS: a call came on connection 2, a new one after the GOAWAY of connection [1]"},
		{"rst_after_header", "rst_after_header: connection 1: stream 1: Response-Headers, then RST_STREAM NO_ERROR"},
		{"rst_during_data", "rst_during_data: connection 1: stream 1: Response-Headers, 157086 of the message's 314172 bytes, then RST_STREAM NO_ERROR"},
		{"rst_after_data", "rst_after_data: connection 1: stream 1: Response-Headers, the whole 314172-byte message, then RST_STREAM NO_ERROR"},
		{"ping", "ping: PASS: connection 1 closed with all of its 4 PINGs acknowledged"},
		{"max_streams", "max_streams: connection 1 closed; at most 1 stream(s) were open at once under SETTINGS_MAX_CONCURRENT_STREAMS 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, log := start(t, tc.name)
			host, port, _ := net.SplitHostPort(addr)
			ctx, cancel := context.WithTimeout(context.Background(), clientRun)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "--server_host="+host, "--server_port="+port, "--test_case="+tc.name).CombinedOutput()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("interop-client: %v", err)
			}
			if err != nil || !strings.Contains(string(out), "interop-client: "+tc.name+" passed") {
				t.Fatalf("interop-client --test_case=%s: %v\n%s\nserver:\n%s", tc.name, err, out, log)
			}
			log.WaitFor(t, tc.serverSays)
			if strings.Contains(log.String(), "FAIL") {
				t.Errorf("the server's assertions failed:\n%s", log)
			}
		})
	}
}
