package conformance

// Health and reflection against the tools people run: grpc-health-probe
// (what Kubernetes' exec probes and many deployments use) and grpcurl,
// against grpcwire's interop-server and against a server of users.Users,
// the seed's service, which is what cmd/users-server will serve.

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"grpcwire/health"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/reflection"
	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// The names the tools must see on grpcwire's interop-server.
var interopServerServices = []string{
	"grpc.health.v1.Health",
	"grpc.reflection.v1.ServerReflection",
	"grpc.reflection.v1alpha.ServerReflection",
	"grpc.testing.TestService",
}

// grpcwire's built-in test certificate is for *.test.google.fr.
const builtinServerName = "foo.test.google.fr"

// TestHealthProbe runs grpc-health-probe against grpcwire's interop-server,
// in cleartext and over TLS, and against one started without health.
func TestHealthProbe(t *testing.T) {
	checkNoLeaks(t)
	ours := buildGrpcwire(t, "interop-server")
	probe := goTool(t, toolHealthProbe)
	plain := startProc(t, "interop-server", ours["interop-server"], "--host=127.0.0.1", "--port=0")
	plainAddr := plain.waitListening(t)
	secure := startProc(t, "interop-server --use_tls", ours["interop-server"], "--host=127.0.0.1", "--port=0", "--use_tls")
	tlsArgs := []string{"-addr=" + secure.waitListening(t), "-tls", "-tls-ca-cert=" + testsvc.CertFile(t, "ca.pem"), "-tls-server-name=" + builtinServerName}
	none := startProc(t, "interop-server --health=false", ours["interop-server"], "--host=127.0.0.1", "--port=0", "--health=false")
	noneAddr := none.waitListening(t)

	for _, tc := range []struct {
		name string
		args []string
		code int    // grpc-health-probe's exit code
		want string // in its output
	}{
		{"server", []string{"-addr=" + plainAddr}, 0, "status: SERVING"},
		{"TestService", []string{"-addr=" + plainAddr, "-service=grpc.testing.TestService"}, 0, "status: SERVING"},
		{"gzip", []string{"-addr=" + plainAddr, "-gzip"}, 0, "status: SERVING"},
		{"unknown service", []string{"-addr=" + plainAddr, "-service=no.Such"}, 3, "NotFound"},
		{"tls", tlsArgs, 0, "status: SERVING"},
		{"tls without the CA", []string{"-addr=" + strings.TrimPrefix(tlsArgs[0], "-addr="), "-tls"}, 2, "failed to connect"},
		{"health off", []string{"-addr=" + noneAddr}, 3, "does not implement the grpc health protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, probe, tc.args...)
			if res.code != tc.code || !strings.Contains(res.out, tc.want) {
				t.Errorf("grpc-health-probe %s: exit %d, output:\n%s\nwant exit %d and %q", strings.Join(tc.args, " "), res.code, res.out, tc.code, tc.want)
			}
		})
	}
}

// grpcurlCase is one grpcurl run and what it must print.
type grpcurlCase struct {
	name string
	args []string
	code int      // grpcurl's exit code: 64 + the gRPC code for a failed call
	want []string // each in the output
}

func runGrpcurl(t *testing.T, bin string, cases []grpcurlCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, bin, tc.args...)
			if res.code != tc.code {
				t.Fatalf("grpcurl %s: exit %d, want %d; output:\n%s", strings.Join(tc.args, " "), res.code, tc.code, res.out)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.out, w) {
					t.Errorf("grpcurl %s: output lacks %q:\n%s", strings.Join(tc.args, " "), w, res.out)
				}
			}
		})
	}
}

// TestGrpcurlInteropServer lists, describes and calls grpcwire's
// interop-server with grpcurl, which learns everything through reflection.
func TestGrpcurlInteropServer(t *testing.T) {
	checkNoLeaks(t)
	ours := buildGrpcwire(t, "interop-server")
	grpcurl := goTool(t, toolGrpcurl)
	plain := startProc(t, "interop-server", ours["interop-server"], "--host=127.0.0.1", "--port=0")
	addr := plain.waitListening(t)
	secure := startProc(t, "interop-server --use_tls", ours["interop-server"], "--host=127.0.0.1", "--port=0", "--use_tls")
	tlsAddr := secure.waitListening(t)
	noRefl := startProc(t, "interop-server --reflection=false", ours["interop-server"], "--host=127.0.0.1", "--port=0", "--reflection=false")
	noReflAddr := noRefl.waitListening(t)
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	runGrpcurl(t, grpcurl, []grpcurlCase{
		{"list", []string{"-plaintext", addr, "list"}, 0, interopServerServices},
		{"list methods", []string{"-plaintext", addr, "list", "grpc.testing.TestService"}, 0, []string{
			"grpc.testing.TestService.EmptyCall", "grpc.testing.TestService.FullDuplexCall", "grpc.testing.TestService.UnaryCall"}},
		{"describe service", []string{"-plaintext", addr, "describe", "grpc.testing.TestService"}, 0, []string{
			"grpc.testing.TestService is a service:",
			"rpc UnaryCall ( .grpc.testing.SimpleRequest ) returns ( .grpc.testing.SimpleResponse );",
			"rpc StreamingInputCall ( stream .grpc.testing.StreamingInputCallRequest ) returns ( .grpc.testing.StreamingInputCallResponse );"}},
		{"describe message", []string{"-plaintext", addr, "describe", "grpc.testing.SimpleRequest"}, 0, []string{
			"int32 response_size = 2;", ".grpc.testing.BoolValue expect_compressed = 8;"}},
		{"unary call", []string{"-plaintext", "-d", `{"responseSize": 3, "payload": {"body": "AQID"}}`, addr, "grpc.testing.TestService/UnaryCall"}, 0, []string{
			`"body": "AAAA"`}},
		{"server-streaming call", []string{"-plaintext", "-d", `{"responseParameters": [{"size": 1}, {"size": 2}]}`, addr, "grpc.testing.TestService/StreamingOutputCall"}, 0, []string{
			`"body": "AA=="`, `"body": "AAA="`}},
		{"status", []string{"-plaintext", "-d", `{"responseStatus": {"code": 5, "message": "nope"}}`, addr, "grpc.testing.TestService/UnaryCall"}, 69, []string{
			"Code: NotFound", "Message: nope"}},
		{"health", []string{"-plaintext", addr, "grpc.health.v1.Health/Check"}, 0, []string{`"status": "SERVING"`}},
		{"tls", []string{"-cacert", testsvc.CertFile(t, "ca.pem"), "-servername", builtinServerName, tlsAddr, "list"}, 0, interopServerServices},
		{"tls call", []string{"-cacert", testsvc.CertFile(t, "ca.pem"), "-servername", builtinServerName, tlsAddr, "grpc.testing.TestService/EmptyCall"}, 0, []string{"{}"}},
		{"reflection off", []string{"-plaintext", noReflAddr, "list"}, 1, []string{"server does not support the reflection API"}},
		// What the README's interop section says of grpcurl: our test.proto
		// leaves UnimplementedCall out of TestService (the unimplemented_method
		// case needs the server's answer for a method it does not know), so
		// grpcurl refuses it before sending; UnimplementedService's is sent
		// and answered UNIMPLEMENTED.
		{"TestService/UnimplementedCall", []string{"-plaintext", addr, "grpc.testing.TestService/UnimplementedCall"}, 1, []string{
			`service "grpc.testing.TestService" does not include a method named "UnimplementedCall"`}},
		{"UnimplementedService", []string{"-plaintext", addr, "grpc.testing.UnimplementedService/UnimplementedCall"}, 76, []string{
			"Code: Unimplemented", "unknown service grpc.testing.UnimplementedService"}},
		// -proto on interop/grpc_testing needs the repository's root as the
		// import path: test.proto imports "interop/grpc_testing/empty.proto".
		{"-proto without the root", []string{"-plaintext", "-proto", "../interop/grpc_testing/test.proto", noReflAddr, "list"}, 1, []string{
			"open interop/grpc_testing/empty.proto: no such file or directory"}},
		{"-proto with the root", []string{"-plaintext", "-import-path", repo, "-proto", "interop/grpc_testing/test.proto", "-d", `{"responseSize": 3}`,
			noReflAddr, "grpc.testing.TestService/UnaryCall"}, 0, []string{`"body": "AAAA"`}},
	})
}

// usersImpl is a small users.Users: accounts numbered from 1.
type usersImpl struct {
	userspb.UnimplementedUsersServer
	mu    sync.Mutex
	users []*userspb.User
}

func (u *usersImpl) CreateUser(_ context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	if req.GetUsername() == "" {
		return nil, wire.Errorf(wire.InvalidArgument, "username is empty")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	user := &userspb.User{Username: req.GetUsername(), UserId: uint32(len(u.users) + 1)}
	u.users = append(u.users, user)
	return &userspb.CreateUserResult{User: user}, nil
}

func (u *usersImpl) GetUsers(req *userspb.GetUsersRequest, stream server.ServerStreamingServer[userspb.GetUsersResult]) error {
	u.mu.Lock()
	users := append([]*userspb.User(nil), u.users...)
	u.mu.Unlock()
	for _, want := range req.GetUser() {
		for _, user := range users {
			if user.GetUsername() == want.GetUsername() {
				if err := stream.Send(&userspb.GetUsersResult{User: user}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TestGrpcurlUsersServer checks what cmd/users-server will offer: a server
// of users.Users with health.Register and reflection.Register, the two
// lines it must call, described and called by grpcurl with JSON input.
func TestGrpcurlUsersServer(t *testing.T) {
	checkNoLeaks(t)
	grpcurl := goTool(t, toolGrpcurl)
	probe := goTool(t, toolHealthProbe)
	s := server.New()
	userspb.RegisterUsersServer(s, &usersImpl{})
	health.Register(s)
	reflection.Register(s)
	addr := testsvc.Serve(t, s)

	runGrpcurl(t, grpcurl, []grpcurlCase{
		{"list", []string{"-plaintext", addr, "list"}, 0, []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "users.Users"}},
		{"describe", []string{"-plaintext", addr, "describe", "users.Users"}, 0, []string{
			"users.Users is a service:",
			"rpc CreateUser ( .users.CreateUserRequest ) returns ( .users.CreateUserResult );",
			"rpc GetUsers ( .users.GetUsersRequest ) returns ( stream .users.GetUsersResult );"}},
		{"describe message", []string{"-plaintext", addr, "describe", "users.CreateUserRequest"}, 0, []string{"string email = 3;"}},
		{"create ada", []string{"-plaintext", "-d", `{"username": "ada", "password": "analytical", "email": "ada@example.com"}`, addr, "users.Users/CreateUser"}, 0, []string{
			`"username": "ada"`, `"userId": 1`}},
		{"create grace", []string{"-plaintext", "-d", `{"username": "grace", "password": "cobol", "email": "grace@example.com"}`, addr, "users.Users/CreateUser"}, 0, []string{
			`"username": "grace"`, `"userId": 2`}},
		{"invalid", []string{"-plaintext", "-d", `{}`, addr, "users.Users/CreateUser"}, 67, []string{"Code: InvalidArgument", "username is empty"}},
		{"stream", []string{"-plaintext", "-d", `{"user": [{"username": "grace"}, {"username": "ada"}]}`, addr, "users.Users/GetUsers"}, 0, []string{
			`"userId": 2`, `"userId": 1`}},
		{"bad JSON", []string{"-plaintext", "-d", `{"nickname": "x"}`, addr, "users.Users/CreateUser"}, 1, []string{"nickname"}},
	})
	for _, tc := range []struct {
		service string
		code    int
	}{{"", 0}, {"users.Users", 0}, {"users.Nope", 3}} {
		if res := run(t, probe, "-addr="+addr, "-service="+tc.service); res.code != tc.code {
			t.Errorf("grpc-health-probe -service=%q: exit %d, want %d:\n%s", tc.service, res.code, tc.code, res.out)
		}
	}
}
