package client_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/trace"
)

// serveUnix serves the test service on server.Listen(address).
func serveUnix(t *testing.T, address string) {
	t.Helper()
	ln, err := server.Listen(address)
	if err != nil {
		t.Fatalf("server.Listen(%q): %v", address, err)
	}
	srv := server.New()
	srv.Register((&testsvc.Service{}).Desc())
	testsvc.ServeListener(t, srv, ln)
}

// TestUnixSocketsEveryCallKind: the four call kinds over a Unix socket, in
// each form of doc/naming.md (unix:path, unix:///absolute_path and, on
// Linux, unix-abstract:name), with the server listening on the same string
// through server.Listen; the calls carry :authority localhost.
func TestUnixSocketsEveryCallKind(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, listen, target string }{
		{"unix:path", "unix:" + filepath.Join(dir, "a.sock"), "unix:" + filepath.Join(dir, "a.sock")},
		{"unix:///absolute_path", "unix://" + filepath.Join(dir, "b.sock"), "unix://" + filepath.Join(dir, "b.sock")},
	}
	if runtime.GOOS == "linux" {
		// Abstract names need no directory, so they must not collide with
		// another test run's.
		name := fmt.Sprintf("grpcwire-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		cases = append(cases, struct{ name, listen, target string }{"unix-abstract", "unix-abstract:" + name, "unix-abstract:" + name})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			serveUnix(t, tc.listen)
			var ao authorityObserver
			cc := testsvc.Dial(t, tc.target, client.WithFrameObserver(ao.observer))
			ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
			defer cancel()

			if got, err := echo(ctx, cc, "unary"); err != nil || got != "unary" {
				t.Errorf("unary: %q, %v", got, err)
			}

			var counted []int32
			for m, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(3)) {
				if err != nil {
					t.Fatalf("server-streaming: %v", err)
				}
				counted = append(counted, m.Value)
			}
			if !slices.Equal(counted, []int32{0, 1, 2}) {
				t.Errorf("server-streaming: %v", counted)
			}

			cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.CollectPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"a", "b", "c"} {
				if err := cs.Send(wrapperspb.String(s)); err != nil {
					t.Fatal(err)
				}
			}
			if res, err := cs.CloseAndRecv(); err != nil || res.Value != "a,b,c" {
				t.Errorf("client-streaming: %v, %v", res, err)
			}

			bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"x", "y"} {
				if err := bs.Send(wrapperspb.String(s)); err != nil {
					t.Fatal(err)
				}
				if m, err := bs.Recv(); err != nil || m.Value != s {
					t.Errorf("bidi: %v, %v; want %q", m, err, s)
				}
			}
			bs.CloseSend()
			if _, err := bs.Recv(); err != io.EOF {
				t.Errorf("bidi end: %v, want io.EOF", err)
			}

			ao.mu.Lock()
			defer ao.mu.Unlock()
			for _, a := range ao.seen {
				if a != "localhost" {
					t.Errorf(":authority %q over a Unix socket, want localhost", a)
				}
			}
		})
	}
}

// TestTraceLabelsEachConnection: with several backends, the frame trace
// names on each connection's first line the address it went to: the
// backend's host:port, or the Unix socket in target syntax.
func TestTraceLabelsEachConnection(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 3, backendOpts{})
	var out testio.Buffer
	cc := testsvc.Dial(t, ipv4Target(bs), client.WithServiceConfig(roundRobin), client.WithTrace(&out, trace.OmitTimes()))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)
	lines := out.String()
	for _, b := range bs {
		if !strings.Contains(lines, ", server "+b.addr+", traced at the client") {
			t.Errorf("no connection line names %s in the trace:\n%s", b.addr, firstLines(lines))
		}
	}

	sock := "unix:" + filepath.Join(t.TempDir(), "t.sock")
	serveUnix(t, sock)
	var uout testio.Buffer
	ucc := testsvc.Dial(t, sock, client.WithTrace(&uout, trace.OmitTimes()))
	if _, err := echo(ctx, ucc, "x"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(uout.String(), ", server "+sock+", traced at the client") {
		t.Errorf("the Unix socket's connection line does not name %s:\n%s", sock, firstLines(uout.String()))
	}
}

// firstLines is the connection lines of a trace.
func firstLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "connection:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
