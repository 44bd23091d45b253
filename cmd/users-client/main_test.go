package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/internal/tlsflags"
	"grpcwire/server"
	"grpcwire/trace"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// seedServer is users.Users as the seed's server, recording each
// CreateUser's metadata.
type seedServer struct {
	userspb.UnimplementedUsersServer

	mu sync.Mutex
	md []wire.Metadata
}

func (s *seedServer) CreateUser(ctx context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	s.mu.Lock()
	s.md = append(s.md, server.MetadataFromContext(ctx))
	s.mu.Unlock()
	if req.GetUsername() == "" {
		return nil, wire.Errorf(wire.InvalidArgument, "username is required")
	}
	return &userspb.CreateUserResult{User: &userspb.User{Username: req.GetUsername(), UserId: 1}}, nil
}

func (s *seedServer) GetUsers(req *userspb.GetUsersRequest, st server.ServerStreamingServer[userspb.GetUsersResult]) error {
	for _, u := range req.GetUser() {
		if err := st.Send(&userspb.GetUsersResult{User: u}); err != nil {
			return err
		}
	}
	return nil
}

func startSeedServer(t *testing.T) (*seedServer, string) {
	t.Helper()
	impl := &seedServer{}
	srv := server.New()
	userspb.RegisterUsersServer(srv, impl)
	return impl, testsvc.Serve(t, srv)
}

func testConfig(addr string) config {
	return config{addr: addr, username: "tom", wait: testsvc.Timeout, traceFlags: trace.Flags{Times: true}}
}

func runClient(t *testing.T, cfg config) (stdout, stderr string, err error) {
	t.Helper()
	// No deadline, as when the program runs (a deadline would add
	// grpc-timeout to the traced headers); the timer only stops a hung test.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := time.AfterFunc(testsvc.Timeout, cancel)
	defer stop.Stop()
	var o, e bytes.Buffer
	err = run(ctx, cfg, &o, &e)
	return o.String(), e.String(), err
}

func TestSeedCalls(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	impl, addr := startSeedServer(t)
	stdout, stderr, err := runClient(t, testConfig(addr))
	if err != nil {
		t.Fatal(err)
	}
	if stdout != testsvc.SeedOutput || stderr != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s\nwant the seed's output and nothing on stderr", stdout, stderr)
	}
	impl.mu.Lock()
	defer impl.mu.Unlock()
	if len(impl.md) != 1 {
		t.Fatalf("%d CreateUser calls, want 1", len(impl.md))
	}
	if got := impl.md[0].Get("ip"); len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("metadata ip %q, want [127.0.0.1]", got)
	}
}

func TestNotReady(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := testsvc.ClosedAddr(t)
	cfg := testConfig(addr)
	cfg.wait = 200 * time.Millisecond
	stdout, _, err := runClient(t, cfg)
	if !errors.Is(err, errNotReady) || stdout != "" {
		t.Errorf("run with no server: %v, stdout %q; want %v and nothing printed", err, stdout, errNotReady)
	}
	if errNotReady.Error() != "Error connecting to server" {
		t.Errorf("the message is %q, want the seed's %q", errNotReady, "Error connecting to server")
	}
}

func TestErrorCall(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, addr := startSeedServer(t)
	cfg := testConfig(addr)
	cfg.username = ""
	stdout, _, err := runClient(t, cfg)
	if wire.CodeOf(err) != wire.InvalidArgument || !strings.HasPrefix(err.Error(), "CreateUser: ") || stdout != "" {
		t.Errorf("CreateUser without a username: %v, stdout %q; want INVALID_ARGUMENT naming CreateUser and nothing printed", err, stdout)
	}
}

func TestTraceFlags(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, addr := startSeedServer(t)
	cfg := testConfig(addr)
	cfg.traceFlags, cfg.authority = trace.Flags{Trace: true, Values: true}, "localhost:50051"
	stdout, stderr, err := runClient(t, cfg)
	if err != nil || stdout != testsvc.SeedOutput {
		t.Fatalf("run: %v, stdout:\n%s", err, stdout)
	}
	for _, want := range []string{
		"c1 connection: client 127.0.0.1:",
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=108  # Request-Headers\n",
		"      :authority = localhost:50051\n",
		"      ip = 127.0.0.1\n",
		"c1 <- HEADERS       stream=3 flags=END_STREAM|END_HEADERS len=1  # Trailers\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("trace lacks %q:\n%s", want, stderr)
		}
	}
	if strings.HasPrefix(stderr, "+") {
		t.Errorf("-trace-times=false printed times:\n%s", stderr)
	}
}

// startTLSSeedServer is the seed's server over TLS with the repository's
// test certificate, as users-server -tls-cert serves it.
func startTLSSeedServer(t *testing.T) string {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(testsvc.CertFile(t, "server1.pem"), testsvc.CertFile(t, "server1.key"))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	userspb.RegisterUsersServer(srv, &seedServer{})
	return testsvc.Serve(t, srv)
}

// TestTLSFlags: -tls-ca (with or without -tls) makes the seed's calls over
// TLS, and -tls-server-name checks the name given.
func TestTLSFlags(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startTLSSeedServer(t)
	_, port, _ := net.SplitHostPort(addr)
	for _, cfg := range []config{
		{tls: tlsflags.Client{TLS: true, CAFile: testsvc.CertFile(t, "ca.pem")}},
		{tls: tlsflags.Client{CAFile: testsvc.CertFile(t, "ca.pem")}},
		{addr: "localhost:" + port, tls: tlsflags.Client{CAFile: testsvc.CertFile(t, "ca.pem")}},
		{tls: tlsflags.Client{CAFile: testsvc.CertFile(t, "ca.pem"), ServerName: "foo.test.google.fr"}},
	} {
		c := testConfig(addr)
		if cfg.addr != "" {
			c.addr = cfg.addr
		}
		c.tls = cfg.tls
		stdout, stderr, err := runClient(t, c)
		if err != nil || stdout != testsvc.SeedOutput {
			t.Errorf("%+v: %v\nstdout:\n%s\nstderr:\n%s", cfg, err, stdout, stderr)
		}
	}
}

// TestConnectHints: when the server is not ready in time, the program
// prints the seed's line, then why the last attempt failed in plain words,
// then what to change in this program's flags (never a Go API name).
func TestConnectHints(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	refused := testsvc.ClosedAddr(t)
	_, clear := startSeedServer(t)
	tlsAddr := startTLSSeedServer(t)
	for _, tc := range []struct {
		name string
		cfg  func(config) config
		want []string
	}{
		{"connection refused", func(c config) config { c.addr = refused; return c },
			[]string{"connection refused by " + refused, "is users-server running (go run ./cmd/users-server)? -addr gives another address"}},
		{"TLS to a cleartext port", func(c config) config { c.addr, c.tls.TLS = clear, true; return c },
			[]string{"cleartext port", "leave out -tls"}},
		{"cleartext to a TLS port", func(c config) config { c.addr = tlsAddr; return c },
			[]string{"add -tls, and -tls-ca FILE"}},
		{"untrusted certificate", func(c config) config { c.addr, c.tls.TLS = tlsAddr, true; return c },
			[]string{"no trusted CA signed it", "-tls-ca FILE trusts the CA"}},
		{"wrong name", func(c config) config {
			c.addr, c.tls.CAFile, c.tls.ServerName = tlsAddr, testsvc.CertFile(t, "ca.pem"), "example.com"
			return c
		}, []string{"it is for other names", "-tls-server-name NAME"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg(testConfig(""))
			// Long enough for a first attempt to fail on a loaded machine
			// (a TLS client loads the system's CAs first); the cases wait
			// side by side.
			cfg.wait = 2 * time.Second
			stdout, _, err := runClient(t, cfg)
			if !errors.Is(err, errNotReady) || stdout != "" {
				t.Fatalf("run: %v, stdout %q; want %v", err, stdout, errNotReady)
			}
			var b bytes.Buffer
			printError(&b, cfg, err)
			lines := strings.Split(b.String(), "\n")
			if lines[0] != "Error connecting to server" {
				t.Errorf("first line %q, want the seed's", lines[0])
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("the output lacks %q:\n%s", w, b.String())
				}
			}
			for _, api := range []string{"client.", "tls.Config", "WithTLS", "RootCAs"} {
				if strings.Contains(b.String(), api) {
					t.Errorf("the output names the Go API %q:\n%s", api, b.String())
				}
			}
		})
	}
}

// TestReplicasAndUnixSockets: -addr takes grpc's targets, a Unix socket
// (unix:PATH) or several replicas (ipv4:a,b), and -service-config spreads
// the calls over them with round_robin.
func TestReplicasAndUnixSockets(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	sock := "unix:" + filepath.Join(t.TempDir(), "users.sock")
	ln, err := server.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	impl := &seedServer{}
	srv := server.New()
	userspb.RegisterUsersServer(srv, impl)
	testsvc.ServeListener(t, srv, ln)
	if stdout, _, err := runClient(t, testConfig(sock)); err != nil || stdout != testsvc.SeedOutput {
		t.Errorf("over %s: %v\n%s", sock, err, stdout)
	}

	a, addrA := startSeedServer(t)
	b, addrB := startSeedServer(t)
	cfg := testConfig("ipv4:" + addrA + "," + addrB)
	cfg.serviceConfig = `{"loadBalancingConfig": [{"round_robin": {}}]}`
	for range 4 {
		if stdout, _, err := runClient(t, cfg); err != nil || stdout != testsvc.SeedOutput {
			t.Fatalf("over two replicas: %v\n%s", err, stdout)
		}
	}
	a.mu.Lock()
	b.mu.Lock()
	defer a.mu.Unlock()
	defer b.mu.Unlock()
	// Which replica each run's calls reach depends on which connection is
	// up first (the client's round_robin tests pin the spread); here every
	// call must be answered by one of the two.
	if len(a.md)+len(b.md) != 4 {
		t.Errorf("%d and %d CreateUser calls, want 4 in all", len(a.md), len(b.md))
	}
	cfg.serviceConfig = `{"loadBalancingConfig": [`
	if _, _, err := runClient(t, cfg); err == nil || !strings.Contains(err.Error(), "service config") {
		t.Errorf("a malformed -service-config: %v, want an error naming the service config", err)
	}
}
