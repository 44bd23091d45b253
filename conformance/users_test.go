package conformance

// The seed's programs against grpc-go: cmd/users-client against a grpc-go
// server of users.proto, and a grpc-go client making the seed client's calls
// against cmd/users-server. Both programs run as built binaries; the
// grpc-go side uses grpcwire/userspb's message types (proto messages are
// codec-neutral) with a hand-written grpc.ServiceDesc, so users.proto is
// registered once in the test binary.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"grpcwire/internal/pbtext"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// usersGrpcGo is a grpc-go implementation of users.Users that behaves as
// the seed's server, recording the metadata of each CreateUser.
type usersGrpcGo struct {
	mu sync.Mutex
	md []metadata.MD
}

func (s *usersGrpcGo) createUser(ctx context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	s.md = append(s.md, md)
	s.mu.Unlock()
	return &userspb.CreateUserResult{User: &userspb.User{Username: req.GetUsername(), UserId: 1}}, nil
}

func (s *usersGrpcGo) metadata() []metadata.MD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]metadata.MD(nil), s.md...)
}

// usersServiceDesc is what protoc-gen-go-grpc would generate for
// users.proto's service, written out by hand.
var usersServiceDesc = grpc.ServiceDesc{
	ServiceName: "users.Users",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "CreateUser",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(userspb.CreateUserRequest)
			if err := dec(in); err != nil {
				return nil, err
			}
			return srv.(*usersGrpcGo).createUser(ctx, in)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "GetUsers",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			in := new(userspb.GetUsersRequest)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			for _, u := range in.GetUser() {
				res := &userspb.GetUsersResult{User: &userspb.User{Username: u.GetUsername(), UserId: u.GetUserId()}}
				if err := stream.SendMsg(res); err != nil {
					return err
				}
			}
			return nil
		},
	}},
	Metadata: "users.proto",
}

// runSplit runs a program to its end within runTimeout and returns its exit
// code, stdout and stderr apart: the seed's output is compared byte for byte.
func runSplit(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	var o, e bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %s: %v", bin, err)
	}
	return code, o.String(), e.String()
}

// TestUsersClientAgainstGrpcGo runs users-client against a grpc-go server of
// users.proto: it must print the seed's output, send the seed's metadata,
// and its -trace must decode grpc-go's frames.
func TestUsersClientAgainstGrpcGo(t *testing.T) {
	checkNoLeaks(t)
	bin := buildGrpcwire(t, "users-client")["users-client"]
	impl := &usersGrpcGo{}
	gs := grpc.NewServer()
	gs.RegisterService(&usersServiceDesc, impl)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- gs.Serve(ln) }()
	t.Cleanup(func() {
		gs.Stop()
		if err := <-served; err != nil {
			t.Errorf("grpc-go Serve: %v", err)
		}
	})

	code, stdout, stderr := runSplit(t, bin, "-addr", ln.Addr().String())
	if code != 0 || stdout != testsvc.SeedOutput || stderr != "" {
		t.Fatalf("users-client against grpc-go: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 0, the seed's output and nothing on stderr", code, stdout, stderr)
	}
	mds := impl.metadata()
	if len(mds) != 1 {
		t.Fatalf("grpc-go saw %d CreateUser calls, want 1", len(mds))
	}
	if got := mds[0].Get("ip"); len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("grpc-go saw ip %q, want [127.0.0.1]", got)
	}
	if got := mds[0].Get("user-agent"); len(got) != 1 || !strings.HasPrefix(got[0], wire.UserAgent) {
		t.Errorf("grpc-go saw user-agent %q, want it to start with %q", got, wire.UserAgent)
	}

	// The trace of grpc-go's responses, decoded by the client.
	code, stdout, stderr = runSplit(t, bin, "-addr", ln.Addr().String(), "-trace", "-trace-times=false")
	if code != 0 || stdout != testsvc.SeedOutput {
		t.Fatalf("users-client -trace against grpc-go: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"c1 <- HEADERS       stream=1 flags=END_HEADERS len=",
		"      :status = 200\n",
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult\n" +
			"        user {\n          username: \"tom\"\n          user_id: 1\n        }\n",
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=14 users.GetUsersResult\n" +
			"        user {\n          username: \"christie\"\n          user_id: 1\n        }\n",
		"c1 <- HEADERS       stream=3 flags=END_STREAM|END_HEADERS len=",
		"      grpc-status = 0  # OK\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("users-client's trace of grpc-go lacks %q:\n%s", want, stderr)
		}
	}
}

// usersListenLine is the line users-server prints once it accepts calls.
var usersListenLine = regexp.MustCompile(`users-server: listening on (\S+)`)

// startUsersServer starts the built users-server on a free loopback port
// and returns it with its address.
func startUsersServer(t *testing.T, bin string, args ...string) (*proc, string) {
	t.Helper()
	p := startProc(t, "users-server", bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	return p, p.waitLine(t, usersListenLine)[1]
}

// seedClientGrpcGo makes the seed client's calls with grpc-go and returns
// what the seed's client would print.
func seedClientGrpcGo(t *testing.T, addr string) string {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()

	var out strings.Builder
	res := new(userspb.CreateUserResult)
	err = cc.Invoke(metadata.AppendToOutgoingContext(ctx, "ip", "127.0.0.1"), "/users.Users/CreateUser",
		&userspb.CreateUserRequest{Username: "tom"}, res)
	if err != nil {
		t.Fatalf("grpc-go CreateUser: %v", err)
	}
	fmt.Fprintln(&out, "User created:", res.GetUser().GetUsername())

	st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/users.Users/GetUsers")
	if err != nil {
		t.Fatal(err)
	}
	req := &userspb.GetUsersRequest{User: []*userspb.User{{Username: "alexa", UserId: 1}, {Username: "christie", UserId: 1}}}
	if err := st.SendMsg(req); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	for {
		r := new(userspb.GetUsersResult)
		err := st.RecvMsg(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("grpc-go GetUsers: %v", err)
		}
		fmt.Fprintln(&out, pbtext.Format(r))
	}
	return out.String()
}

// TestGrpcGoClientAgainstUsersServer makes the seed client's calls with
// grpc-go against users-server: the results must print as the seed's, the
// server must print the call's metadata as the seed's server does, refuse an
// empty username, trace grpc-go's frames with -trace, and exit 0 on SIGTERM.
func TestGrpcGoClientAgainstUsersServer(t *testing.T) {
	checkNoLeaks(t)
	bin := buildGrpcwire(t, "users-server")["users-server"]
	p, addr := startUsersServer(t, bin, "-trace", "-trace-times=false")

	if got := seedClientGrpcGo(t, addr); got != testsvc.SeedOutput {
		t.Errorf("grpc-go client against users-server printed:\n%s\nwant:\n%s", got, testsvc.SeedOutput)
	}

	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	err = cc.Invoke(t.Context(), "/users.Users/CreateUser", &userspb.CreateUserRequest{}, new(userspb.CreateUserResult))
	if s := status.Convert(err); s.Code() != codes.InvalidArgument || s.Message() != "username is required" {
		t.Errorf("grpc-go CreateUser without a username: %v, want InvalidArgument: username is required", err)
	}
	cc.Close()

	if err := p.stop(t); err != nil {
		t.Errorf("users-server after SIGTERM: %v, want exit 0\n%s", err, p.out)
	}
	out := p.out.String()
	line := "{'user-agent': 'grpc-go/" + grpc.Version + "', 'ip': '127.0.0.1'}\n"
	if !strings.Contains(out, "\n"+line) {
		t.Errorf("users-server did not print the metadata line %q:\n%s", line, out)
	}
	for _, want := range []string{
		"      :path = /users.Users/CreateUser\n",
		"      user-agent = grpc-go/" + grpc.Version + "\n",
		"      ip = <redacted, 9 bytes>\n",
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n        username: \"tom\"\n",
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=25 users.GetUsersRequest\n",
		"  # Trailers-Only\n",
		"      grpc-status = 3  # INVALID_ARGUMENT\n",
		"users-server: stopping\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("users-server's output lacks %q:\n%s", want, out)
		}
	}
}
