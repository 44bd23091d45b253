package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/anypb"

	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	"grpcwire/reflection"
	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// runTimeout bounds one run of the command in a test.
const runTimeout = 30 * time.Second

// result is how one run of the command ended.
type result struct {
	code   int
	stdout string
	stderr string
	args   []string
}

func (r result) String() string {
	return "grpcwire " + strings.Join(r.args, " ") + "\nexit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "stderr:\n" + r.stderr
}

// grpcwire runs the command in this process with stdin, as main would, and
// returns its exit code and output.
func grpcwire(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	// Cancelled rather than given a deadline, which the call would send
	// as grpc-timeout.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	timer := time.AfterFunc(runTimeout, cancel)
	var out, errOut testio.Buffer
	code := run(ctx, args, &stdio{in: strings.NewReader(stdin), out: &out, err: &errOut})
	if !timer.Stop() {
		t.Fatalf("grpcwire %s did not finish within %v:\n%s", strings.Join(args, " "), runTimeout, errOut.String())
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String(), args: args}
}

// expect fails t unless r ended with code and each of wants appears in its
// stdout or stderr.
func expect(t *testing.T, r result, code int, wants ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\n%s", r.code, code, r)
		return
	}
	for _, w := range wants {
		if !strings.Contains(r.stdout, w) && !strings.Contains(r.stderr, w) {
			t.Errorf("output lacks %q\n%s", w, r)
		}
	}
}

// startInterop starts grpcwire's interop TestService (all four call kinds)
// in this process, with reflection unless noReflection, and returns its
// address.
func startInterop(t *testing.T, noReflection bool, opts ...server.Option) string {
	t.Helper()
	s := server.New(opts...)
	(&interop.TestServer{ServerID: "grpcwire-test"}).Register(s)
	if !noReflection {
		reflection.Register(s)
	}
	return testsvc.Serve(t, s)
}

// usersServer is users.Users as cmd/users-server serves it (CreateUser
// answers user_id 1 and refuses an empty username with INVALID_ARGUMENT;
// GetUsers streams back the requested users), plus details on errors: a
// username of "details" is refused with a status carrying two details, one
// of a type the server's reflection knows (users.User) and one it does
// not.
type usersServer struct {
	userspb.UnimplementedUsersServer
}

func (usersServer) CreateUser(_ context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	switch req.GetUsername() {
	case "":
		return nil, wire.Errorf(wire.InvalidArgument, "username is required")
	case "details":
		st, err := wire.NewStatus(wire.AlreadyExists, "user details exists").WithDetails(&userspb.User{Username: "details", UserId: 7})
		if err != nil {
			return nil, err
		}
		st.Details = append(st.Details, unknownDetail)
		return nil, st
	}
	return &userspb.CreateUserResult{User: &userspb.User{Username: req.GetUsername(), UserId: 1}}, nil
}

func (usersServer) GetUsers(req *userspb.GetUsersRequest, stream server.ServerStreamingServer[userspb.GetUsersResult]) error {
	for _, u := range req.GetUser() {
		if err := stream.Send(&userspb.GetUsersResult{User: &userspb.User{Username: u.GetUsername(), UserId: u.GetUserId()}}); err != nil {
			return err
		}
	}
	return nil
}

// unknownDetail is a status detail of a type no descriptor names: the
// command shows it by its type URL and bytes.
var unknownDetail = &anypb.Any{TypeUrl: "type.googleapis.com/example.NotDescribed", Value: []byte{0x08, 0x2a}}

// startUsers starts usersServer in this process, with reflection unless
// noReflection, and returns its address.
func startUsers(t *testing.T, noReflection bool) string {
	t.Helper()
	s := server.New()
	userspb.RegisterUsersServer(s, usersServer{})
	if !noReflection {
		reflection.Register(s)
	}
	return testsvc.Serve(t, s)
}

// repoRoot is the root module's directory, which holds users.proto.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "users.proto")); err != nil {
		t.Fatalf("the root module: %v", err)
	}
	return dir
}
