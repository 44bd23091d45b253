package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/internal/tlsflags"
	"grpcwire/reflection/grpc_reflection_v1"
	"grpcwire/trace"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// testTimeout bounds every wait of these tests.
const testTimeout = 10 * time.Second

// startServer runs the program's run in the background on a free loopback
// port and returns its address, its stdout and stderr, and a function that
// stops it as Ctrl-C does and returns run's error.
func startServer(t *testing.T, cfg config) (addr string, stdout, stderr *testio.Buffer, stop func() error) {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	stdout, stderr = &testio.Buffer{}, &testio.Buffer{}
	stop, _ = testsvc.Background(t, func(ctx context.Context) error { return run(ctx, cfg, stdout, stderr) })
	addr = stderr.WaitForPrefix(t, "users-server: listening on ")
	return addr, stdout, stderr, stop
}

func dial(t *testing.T, addr string, opts ...client.Option) *client.Conn {
	t.Helper()
	conn, err := client.Dial(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestServesTheSeed makes the seed client's calls against run: CreateUser
// prints the metadata line and gives user id 1, GetUsers copies the users.
func TestServesTheSeed(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr, stdout, _, stop := startServer(t, config{health: true, reflection: true})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	users := userspb.NewUsersClient(dial(t, addr))

	res, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom", Password: "p", Email: "e"},
		client.WithMetadata(wire.NewMetadata("ip", "127.0.0.1")))
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u := res.GetUser(); u.GetUsername() != "tom" || u.GetUserId() != 1 {
		t.Errorf("CreateUser returned %v, want tom with user_id 1", u)
	}
	if got, want := stdout.String(), "{'user-agent': '"+wire.UserAgent+"', 'ip': '127.0.0.1'}\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}

	var got []string
	for r, err := range users.GetUsers(ctx, &userspb.GetUsersRequest{User: []*userspb.User{
		{Username: "alexa", UserId: 1}, {Username: "christie", UserId: 7}, {},
	}}) {
		if err != nil {
			t.Fatalf("GetUsers: %v", err)
		}
		got = append(got, fmt.Sprintf("%s/%d", r.GetUser().GetUsername(), r.GetUser().GetUserId()))
	}
	if want := []string{"alexa/1", "christie/7", "/0"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("GetUsers streamed %v, want %v", got, want)
	}
	n := 0
	for _, err := range users.GetUsers(ctx, &userspb.GetUsersRequest{}) {
		if err != nil {
			t.Fatalf("GetUsers with no users: %v", err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("GetUsers with no users streamed %d results, want none", n)
	}

	// The error call of the README's walk-through.
	_, err = users.CreateUser(ctx, &userspb.CreateUserRequest{})
	if st := wire.StatusOf(err); st.Code != wire.InvalidArgument || st.Message != "username is required" {
		t.Errorf("CreateUser without a username: %v, want INVALID_ARGUMENT: username is required", err)
	}
	if err := stop(); err != nil {
		t.Errorf("run after the interrupt: %v, want nil", err)
	}
}

// TestHealthAndReflection checks that both are served by default and that
// their flags turn them off.
func TestHealthAndReflection(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(map[bool]string{true: "on", false: "off"}[on], func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			addr, _, _, _ := startServer(t, config{health: on, reflection: on})
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			conn := dial(t, addr)

			res, err := grpc_health_v1.NewHealthClient(conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: "users.Users"})
			if on && (err != nil || res.GetStatus() != grpc_health_v1.HealthCheckResponse_SERVING) {
				t.Errorf("health Check(users.Users): %v, %v; want SERVING", res, err)
			}
			if !on && wire.CodeOf(err) != wire.Unimplemented {
				t.Errorf("health Check with -health=false: %v, want UNIMPLEMENTED", err)
			}

			st, err := grpc_reflection_v1.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = st.Send(&grpc_reflection_v1.ServerReflectionRequest{MessageRequest: &grpc_reflection_v1.ServerReflectionRequest_ListServices{}})
			if err == nil {
				err = st.CloseSend()
			}
			if err == io.EOF {
				// The call ended before the request went (a server without
				// reflection answers at once): Recv returns its status.
				err = nil
			}
			var services []string
			for err == nil {
				var r *grpc_reflection_v1.ServerReflectionResponse
				if r, err = st.Recv(); err == nil {
					for _, s := range r.GetListServicesResponse().GetService() {
						services = append(services, s.GetName())
					}
				}
			}
			if on && !strings.Contains(strings.Join(services, ","), "users.Users") {
				t.Errorf("reflection listed %v (last error %v), want users.Users among them", services, err)
			}
			if !on && wire.CodeOf(err) != wire.Unimplemented {
				t.Errorf("reflection with -reflection=false: %v, want UNIMPLEMENTED", err)
			}
		})
	}
}

// TestTraceFlag checks that -trace writes the frames to stderr and leaves
// stdout to the metadata lines.
func TestTraceFlag(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr, stdout, stderr, stop := startServer(t, config{traceFlags: trace.Flags{Trace: true}})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	users := userspb.NewUsersClient(dial(t, addr))
	if _, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"}, client.WithMetadata(wire.NewMetadata("ip", "127.0.0.1"))); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"c1 <- HEADERS       stream=1 flags=END_HEADERS len=",
		"      ip = <redacted, 9 bytes>\n",
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n        username: \"tom\"\n",
		"c1 -> HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=12  # Trailers\n",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stdout.String(), "HEADERS") {
		t.Errorf("the trace went to stdout:\n%s", stdout.String())
	}
}

// TestListenError names the address that could not be used.
func TestListenError(t *testing.T) {
	err := run(context.Background(), config{addr: "127.0.0.1:-1"}, &testio.Buffer{}, &testio.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "cannot listen on 127.0.0.1:-1") {
		t.Errorf("run on a bad address: %v, want an error naming it", err)
	}
}

// TestTLSAndRefusedConnectionsLogged serves TLS with -tls-cert and
// -tls-key: a TLS client makes the seed's call, and real clients that
// cannot be served are refused and logged at the default level, info,
// naming what they did: grpcwire's client speaking cleartext to the TLS
// port, and Go's net/http client speaking HTTP/1.1 over TLS. With
// -log-level warn neither is logged.
func TestTLSAndRefusedConnectionsLogged(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		t.Run(level.String(), func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			addr, stdout, stderr, stop := startServer(t, config{
				tls: tlsflags.Server{CertFile: testsvc.CertFile(t, "server1.pem"), KeyFile: testsvc.CertFile(t, "server1.key")}, logLevel: level,
			})
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()

			users := userspb.NewUsersClient(dial(t, addr, client.WithTLS(&tls.Config{RootCAs: testsvc.CertPool(t)})))
			if _, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"}); err != nil {
				t.Fatalf("CreateUser over TLS: %v", err)
			}

			_, err := userspb.NewUsersClient(dial(t, addr)).CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"})
			if wire.CodeOf(err) != wire.Unavailable {
				t.Errorf("a cleartext call to the TLS port: %v, want UNAVAILABLE", err)
			}

			hc := &http.Client{Transport: &http.Transport{
				TLSClientConfig:   &tls.Config{RootCAs: testsvc.CertPool(t), NextProtos: []string{"http/1.1"}},
				ForceAttemptHTTP2: false,
			}}
			defer hc.CloseIdleConnections()
			if res, err := hc.Get("https://" + addr + "/users.Users/CreateUser"); err == nil {
				res.Body.Close()
				t.Errorf("an HTTP/1.1 request over TLS got %s, want the connection closed", res.Status)
			}

			if err := stop(); err != nil {
				t.Fatal(err)
			}
			logged := stderr.String()
			wantLines := []string{
				"level=INFO msg=\"grpcwire: TLS handshake failed: the client did not start TLS",
				"level=INFO msg=\"grpcwire: closing TLS connection that did not negotiate ALPN h2; gRPC needs HTTP/2\"",
			}
			for _, want := range wantLines {
				if got := strings.Contains(logged, want); got != (level == slog.LevelInfo) {
					t.Errorf("-log-level %v: logged %q: %v, want %v; stderr:\n%s", level, want, got, level == slog.LevelInfo, logged)
				}
			}
			if !strings.Contains(stdout.String(), "'user-agent'") {
				t.Errorf("the TLS call's metadata was not printed: %q", stdout.String())
			}
		})
	}
}

// TestQuiet: -quiet stops the metadata lines, and nothing else.
func TestQuiet(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr, stdout, _, stop := startServer(t, config{quiet: true})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	res, err := userspb.NewUsersClient(dial(t, addr)).CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"})
	if err != nil || res.GetUser().GetUserId() != 1 {
		t.Fatalf("CreateUser with -quiet: %v, %v", res, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if out := stdout.String(); out != "" {
		t.Errorf("-quiet printed %q", out)
	}
}

// TestTLSFlagsTogether: -tls-cert without -tls-key is refused before
// listening, and a key that is not one is named.
func TestTLSFlagsTogether(t *testing.T) {
	for _, cfg := range []config{
		{addr: "127.0.0.1:0", tls: tlsflags.Server{CertFile: testsvc.CertFile(t, "server1.pem")}},
		{addr: "127.0.0.1:0", tls: tlsflags.Server{KeyFile: testsvc.CertFile(t, "server1.key")}},
	} {
		err := run(context.Background(), cfg, &testio.Buffer{}, &testio.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "-tls-cert and -tls-key go together") {
			t.Errorf("run(%+v) = %v, want the two flags named", cfg, err)
		}
	}
	err := run(context.Background(), config{addr: "127.0.0.1:0", tls: tlsflags.Server{CertFile: testsvc.CertFile(t, "server1.pem"), KeyFile: testsvc.CertFile(t, "ca.pem")}}, &testio.Buffer{}, &testio.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "-tls-cert, -tls-key: ") {
		t.Errorf("run with a certificate as the key = %v, want the flags named", err)
	}
}

// TestUnixSocket: -addr unix:PATH listens on a Unix socket and says so in
// the listening line, in the form a client's -addr takes.
func TestUnixSocket(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	sock := "unix:" + filepath.Join(t.TempDir(), "users.sock")
	stdout, stderr := &testio.Buffer{}, &testio.Buffer{}
	stop, _ := testsvc.Background(t, func(ctx context.Context) error { return run(ctx, config{addr: sock}, stdout, stderr) })
	if addr := stderr.WaitForPrefix(t, "users-server: listening on "); addr != sock {
		t.Errorf("listening on %q, want %q", addr, sock)
	}
	users := userspb.NewUsersClient(dial(t, sock))
	rctx, rcancel := context.WithTimeout(context.Background(), testTimeout)
	defer rcancel()
	if res, err := users.CreateUser(rctx, &userspb.CreateUserRequest{Username: "tom"}); err != nil || res.GetUser().GetUserId() != 1 {
		t.Errorf("CreateUser over %s: %v, %v", sock, res, err)
	}
	if err := stop(); err != nil {
		t.Errorf("run: %v", err)
	}
}
