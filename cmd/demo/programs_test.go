package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// seedMetadataLine is what users-server prints for the seed client's
// CreateUser when users-client makes it.
const seedMetadataLine = "{'user-agent': '" + wire.UserAgent + "', 'ip': '127.0.0.1'}\n"

// testTimeout bounds every program run of these tests.
const testTimeout = 60 * time.Second

// bins are users-server and users-client, built once by TestMain.
var bins Binaries

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "grpcwire-demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	bins, err = Build(ctx, dir)
	cancel()
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, "building the programs:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startServer starts the built users-server on a free loopback port; it is
// stopped (and must exit cleanly) at the end of the test.
func startServer(t *testing.T, args ...string) (*Server, *testio.Buffer) {
	t.Helper()
	out := &testio.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	srv, err := StartServer(ctx, bins.Server, out, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stopping users-server: %v\nits output:\n%s", err, out.String())
		}
	})
	return srv, out
}

// runClient runs the built users-client to completion.
func runClient(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var o, e bytes.Buffer
	code, err := RunClient(ctx, bins.Client, &o, &e, args...)
	if err != nil {
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// TestDemo runs the one-command demo: it must print exactly the seed's
// client output, and show the server's metadata line on stderr.
func TestDemo(t *testing.T) {
	var stdout, stderr testio.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code, err := run(ctx, config{username: "tom", addr: "127.0.0.1:0"}, &stdout, &stderr)
	if err != nil || code != 0 {
		t.Fatalf("demo: code %d, error %v; stderr:\n%s", code, err, stderr.String())
	}
	if stdout.String() != testsvc.SeedOutput {
		t.Errorf("demo printed:\n%s\nwant the seed's output:\n%s", stdout.String(), testsvc.SeedOutput)
	}
	for _, want := range []string{"[server] " + seedMetadataLine, "[server] users-server: listening on 127.0.0.1:", "demo: stopping users-server\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("demo's stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestProgramsAgainstEachOther runs users-client against users-server, both
// built: the client prints the seed's output, the server the seed's
// metadata line, and the server exits 0 on the interrupt (the cleanup).
func TestProgramsAgainstEachOther(t *testing.T) {
	srv, out := startServer(t)
	code, stdout, stderr := runClient(t, "-addr", srv.Addr)
	if code != 0 {
		t.Fatalf("users-client exited %d; stderr:\n%s", code, stderr)
	}
	if stdout != testsvc.SeedOutput {
		t.Errorf("users-client printed:\n%s\nwant:\n%s", stdout, testsvc.SeedOutput)
	}
	if stderr != "" {
		t.Errorf("users-client wrote to stderr:\n%s", stderr)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	want := "users-server: listening on " + srv.Addr + "\n" + seedMetadataLine + "users-server: stopping\n"
	if got := out.String(); got != want {
		t.Errorf("users-server printed:\n%s\nwant:\n%s", got, want)
	}
}

// TestClientErrorCall: a failing call prints its status and exits 1.
func TestClientErrorCall(t *testing.T) {
	srv, _ := startServer(t)
	code, stdout, stderr := runClient(t, "-addr", srv.Addr, "-username", "")
	if code != 1 || stdout != "" {
		t.Errorf("users-client -username '': exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	if want := "users-client: CreateUser: grpc status INVALID_ARGUMENT (from peer): username is required\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}

// TestClientNotReady: with no server, the client gives up after -wait with
// the seed's message and status 1, then says why and what to try.
func TestClientNotReady(t *testing.T) {
	start := time.Now()
	addr := testsvc.ClosedAddr(t)
	code, stdout, stderr := runClient(t, "-addr", addr, "-wait", "300ms")
	want := "Error connecting to server\nusers-client: connection refused by " + addr + ": no server is listening there: "
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "\nusers-client: is users-server running") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing and %q, then a hint", code, stdout, stderr, want)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("gave up after %v, before -wait 300ms", d)
	}
}

// TestClientWaitsForServer: a client started before its server waits for it
// (the seed's channel_ready_future) and then makes its calls.
func TestClientWaitsForServer(t *testing.T) {
	addr := testsvc.ClosedAddr(t)
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		var o, e bytes.Buffer
		code, err := RunClient(ctx, bins.Client, &o, &e, "-addr", addr, "-wait", "30s")
		if err != nil {
			e.WriteString(err.Error())
		}
		done <- result{code, o.String(), e.String()}
	}()
	startServer(t, "-addr", addr) // the last -addr wins
	r := <-done
	if r.code != 0 || r.stdout != testsvc.SeedOutput {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant 0 and the seed's output", r.code, r.stdout, r.stderr)
	}
}

// TestClientTrace: -trace goes to stderr and leaves stdout the seed's.
func TestClientTrace(t *testing.T) {
	srv, _ := startServer(t)
	code, stdout, stderr := runClient(t, "-addr", srv.Addr, "-trace")
	if code != 0 || stdout != testsvc.SeedOutput {
		t.Fatalf("exit %d, stdout:\n%s\nwant 0 and the seed's output", code, stdout)
	}
	for _, want := range []string{
		"s  c1 connection: client 127.0.0.1:",
		"s  c1 -> HEADERS       stream=1 flags=END_HEADERS len=",
		"ip = <redacted, 9 bytes>\n",
		"s  c1 <- HEADERS       stream=3 flags=END_STREAM|END_HEADERS len=1  # Trailers\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("trace lacks %q:\n%s", want, stderr)
		}
	}
}
