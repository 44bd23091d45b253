// Command http2-interop-server is grpc's negative HTTP/2 interop server
// (grpc/grpc doc/negative-http2-interop-test-descriptions.md), written in Go
// on golang.org/x/net/http2's Framer: a gRPC server for
// grpc.testing.TestService/UnaryCall that misbehaves on purpose at the
// HTTP/2 level, so that a client's handling of GOAWAY, RST_STREAM, PING and
// SETTINGS_MAX_CONCURRENT_STREAMS can be tested. grpc ships it only in
// Python (test/http2_test); this one takes the same flags:
//
//	--port        the port to listen on (8080)
//	--test_case   the case to play: goaway, rst_after_header,
//	              rst_during_data, rst_after_data, ping or max_streams
//
// and grpcwire adds --host, the address to listen on ("" for every
// interface, as the Python server does).
//
// Run a negative client (grpc-go's interop/http2, or grpcwire's
// interop-client) with the same --test_case against it. The server prints
// "http2-interop-server: listening on ADDR" once it accepts connections,
// one line per call it plays, and its own assertions of the case as lines
// with PASS or FAIL (the ping case's outstanding PINGs when a connection
// closes, the goaway case's second call on a new connection, the
// max_streams case's limit). It runs until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// defaultPort is the Python server's default --port.
const defaultPort = 8080

func main() {
	port := flag.Int("port", defaultPort, "port to run the server")
	host := flag.String("host", "", "the address to listen on; empty for every interface")
	testCase := flag.String("test_case", "", "test case to run: "+strings.Join(caseNames(), ", "))
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, net.JoinHostPort(*host, strconv.Itoa(*port)), *testCase, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "http2-interop-server:", err)
		os.Exit(2)
	}
}

// caseNames are the cases, sorted, as --test_case spells them.
func caseNames() []string {
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// run serves the case named testCase on addr until ctx is done, writing its
// log to out.
func run(ctx context.Context, addr, testCase string, out io.Writer) error {
	tc, ok := cases[testCase]
	if !ok {
		return fmt.Errorf("--test_case %q: the cases are %s", testCase, strings.Join(caseNames(), ", "))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	s := newServer(tc, out)
	s.logf("listening on %s (test_case=%s)", ln.Addr(), testCase)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			ln.Close()
		case <-stopped:
		}
	}()
	err = s.serve(ln)
	close(stopped)
	if ctx.Err() != nil && errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
