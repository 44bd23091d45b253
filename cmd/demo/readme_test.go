package main

import (
	"flag"
	"regexp"
	"strings"
	"testing"

	"grpcwire/internal/testkit/golden"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite the trace blocks of the README's walk-through from the programs' output")

// readmePath is the README, whose generated blocks the test checks.
const readmePath = "../../README.md"

// connAddrs matches the two addresses of a connection line, which vary from
// run to run; the walk-through shows the seed's server port and a typical
// client port.
var connAddrs = regexp.MustCompile(`client 127\.0\.0\.1:[0-9]+, server 127\.0\.0\.1:[0-9]+`)

// walkThroughTraces runs the programs as the walk-through says and returns
// its blocks by name: the client's trace of the seed's calls, times left out,
// in the order tracetest.Causal gives (the order a run most often prints),
// cut into the connection's own frames and each call's stream; and the
// trace of an error call.
func walkThroughTraces(t *testing.T) map[string]string {
	t.Helper()
	srv, _ := startServer(t)
	// -authority keeps the request header block the same whatever port the
	// server got (HPACK's Huffman code gives digits different lengths).
	args := []string{"-addr", srv.Addr, "-authority", "localhost:50051", "-trace", "-trace-times=false", "-trace-values"}
	code, stdout, stderr := runClient(t, args...)
	if code != 0 || stdout != testsvc.SeedOutput {
		t.Fatalf("users-client: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var conn strings.Builder
	for _, f := range tracetest.Parse(tracetest.Causal(stderr)) {
		if f.Open || f.Stream == 0 {
			conn.WriteString(f.Text)
		}
	}
	code, _, errTrace := runClient(t, append(args, "-username", "")...)
	if code != 1 {
		t.Fatalf("users-client -username '': exit %d, want 1; stderr:\n%s", code, errTrace)
	}
	blocks := map[string]string{
		"connection": connAddrs.ReplaceAllString(conn.String(), "client 127.0.0.1:54321, server 127.0.0.1:50051"),
		"createuser": tracetest.Stream(stderr, 1, 1),
		"getusers":   tracetest.Stream(stderr, 1, 3),
		"error":      tracetest.Stream(errTrace, 1, 1),
	}
	for name, b := range blocks {
		if b == "" {
			t.Fatalf("the %s block came out empty; the client's trace:\n%s", name, stderr)
		}
	}
	return blocks
}

// TestSeedReadme fails when a trace block of the walk-through ("What goes
// over the wire") is not what the programs print now. go test -run
// TestSeedReadme -update rewrites the blocks.
func TestSeedReadme(t *testing.T) {
	blocks := map[string]string{}
	for name, trace := range walkThroughTraces(t) {
		blocks[name] = "```text\n" + trace + "```\n"
	}
	golden.Blocks(t, readmePath, "trace", blocks, *update, "go test ./cmd/demo -run TestSeedReadme -update")
}
