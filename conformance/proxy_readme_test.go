package conformance

import (
	"context"
	"flag"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"grpcwire/internal/testkit/golden"
	"grpcwire/internal/testkit/testio"
	"grpcwire/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite the README's generated proxy trace from what the proxy prints now")

// readmePath is the root module's README, whose proxy block the test
// checks.
const readmePath = "../README.md"

// shownProxyAddrs are the addresses the README shows: the seed's port for
// the server, the next for the proxy, a typical client port.
var shownProxyAddrs = regexp.MustCompile(`client 127\.0\.0\.1:[0-9]+, server 127\.0\.0\.1:[0-9]+`)

// bdpPing is grpc-go's BDP ping's data (internal/transport/bdp_estimator.go
// of grpc-go): a ping with it measures the bandwidth-delay product.
const bdpPing = "data=02041010090e0707"

// grpcGoThroughProxy makes one unary call of grpc-go's client (the
// testdata/grpcgo-echo-client program) through the built proxy to grpc-go's
// Echo server and returns the proxy's trace of it, in tracetest's canonical
// order, without times and without the proxy's notes on the hang-ups (a
// FIN or a reset, as it happens).
//
// grpc-go's client and server each ping the other (BDP pings) on the first
// DATA frame they receive; the client closes its connection only once both
// pings have been acknowledged, so that the trace is the same on every run.
func grpcGoThroughProxy(t *testing.T) string {
	t.Helper()
	progs := buildCLIPrograms(t)
	bin := filepath.Join(t.TempDir(), "grpcgo-echo-client")
	bctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	if out, err := exec.CommandContext(bctx, "go", "build", "-o", bin, "./testdata/grpcgo-echo-client").CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/grpcgo-echo-client: %v\n%s", err, out)
	}
	echo := startEchoServer(t, progs, "both")
	p, addr := startProxyProc(t, progs.grpcwire, "-plaintext", "-trace-times=false", echo)

	// The README's :authority, whatever port the proxy got: HPACK's
	// Huffman code gives digits different lengths.
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	client := exec.CommandContext(ctx, bin, "-addr", addr, "-authority", "127.0.0.1:50052")
	stdin, err := client.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out testio.Buffer
	client.Stdout, client.Stderr = &out, &out
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	// The trace is the only sign.
	p.waitUntil(t, "acknowledging the two BDP pings", runTimeout, func(trace string) bool {
		return strings.Count(trace, "flags=ACK len=8 "+bdpPing) >= 2
	})
	stdin.Close()
	// prototext varies its spacing on purpose: only the value is checked.
	if err := client.Wait(); err != nil || !strings.Contains(out.String(), `"hi"`) {
		t.Fatalf("grpcgo-echo-client: %v\n%s", err, out.String())
	}
	waitHangUps(t, p, 1)
	var b strings.Builder
	for _, f := range tracetest.Parse(tracetest.Canonical(p.out.String())) {
		if !f.Note {
			b.WriteString(f.Text)
		}
	}
	return shownProxyAddrs.ReplaceAllString(b.String(), "client 127.0.0.1:54321, server 127.0.0.1:50051")
}

// TestProxyReadme fails when the README's trace of grpc-go's client calling
// grpc-go's server through the proxy ("Watching two other
// implementations") is not what the proxy prints now. go test -run
// TestProxyReadme -update (in conformance) rewrites it.
func TestProxyReadme(t *testing.T) {
	checkNoLeaks(t)
	golden.Blocks(t, readmePath, "proxy", map[string]string{"grpc-go": "```text\n" + grpcGoThroughProxy(t) + "```\n"}, *update,
		"(in conformance) go test -run TestProxyReadme -update")
}
