package conformance

// grpc-go's own negative HTTP/2 client (google.golang.org/grpc/interop/http2)
// against grpcwire's cmd/http2-interop-server, for the six cases of
// grpc/grpc doc/negative-http2-interop-test-descriptions.md. grpcwire's
// interop-client against the same server is the root module's test
// (cmd/http2-interop-server).

import (
	"fmt"
	"strings"
	"testing"
)

// negativeCase is one case and what each side must show.
type negativeCase struct {
	name string
	// clientFails, when set, is the line grpc-go's client fails with: its
	// rst_during_data wants UNKNOWN, which its own transport no longer
	// reports for a stream reset with NO_ERROR (it reports INTERNAL, the
	// code PROTOCOL-HTTP2.md gives RST_STREAM NO_ERROR), whatever the
	// server.
	clientFails string
	// serverSays is a line the server logs when it played the case (and,
	// for goaway and ping, its assertion passing).
	serverSays string
}

var negativeCases = []negativeCase{
	{name: "goaway", serverSays: "goaway: PASS: a call came on connection 2, a new one after the GOAWAY of connection [1]"},
	{name: "rst_after_header", serverSays: "rst_after_header: connection 1: stream 1: Response-Headers, then RST_STREAM NO_ERROR"},
	{name: "rst_during_data", clientFails: "UnaryCall() = _, Internal, want _, Unknown",
		serverSays: "rst_during_data: connection 1: stream 1: Response-Headers, 157086 of the message's 314172 bytes, then RST_STREAM NO_ERROR"},
	{name: "rst_after_data", serverSays: "rst_after_data: connection 1: stream 1: Response-Headers, the whole 314172-byte message, then RST_STREAM NO_ERROR"},
	{name: "ping", serverSays: "ping: PASS: connection 1 closed with all of its 4 PINGs acknowledged"},
	{name: "max_streams", serverSays: "max_streams: connection 1 closed; at most 1 stream(s) were open at once under SETTINGS_MAX_CONCURRENT_STREAMS 1"},
}

// TestNegativeHTTP2 runs grpc-go's negative client against grpcwire's
// negative server for every case.
func TestNegativeHTTP2(t *testing.T) {
	checkNoLeaks(t)
	server := buildGrpcwire(t, "http2-interop-server")["http2-interop-server"]
	client := goTool(t, toolGRPCGoNegativeClient)
	for _, tc := range negativeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startProc(t, "http2-interop-server --test_case="+tc.name, server, "--host=127.0.0.1", "--port=0", "--test_case="+tc.name)
			_, port := hostPort(t, p.waitListening(t))
			res := run(t, client, "--server_host=127.0.0.1", "--server_port="+port, "--test_case="+tc.name)
			switch {
			case tc.clientFails == "" && res.code != 0:
				t.Errorf("grpc-go's negative client, %s: exit %d\n%s\nserver:\n%s", tc.name, res.code, res.out, p.out)
			case tc.clientFails != "" && (res.code != 1 || !strings.Contains(res.out, tc.clientFails)):
				t.Errorf("grpc-go's negative client, %s: exit %d, want 1 with %q\n%s", tc.name, res.code, tc.clientFails, res.out)
			}
			p.waitUntil(t, fmt.Sprintf("saying %q", tc.serverSays), procStartTimeout, func(out string) bool { return strings.Contains(out, tc.serverSays) })
			if strings.Contains(p.out.String(), "FAIL") {
				t.Errorf("the server's assertions failed:\n%s", p.out)
			}
		})
	}
}
