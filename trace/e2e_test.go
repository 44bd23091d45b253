package trace_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/internal/testkit/golden"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/trace"
	"grpcwire/trace/tracetest"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// seedUsers serves users.Users as users-server does: CreateUser returns the
// user with id 1 and refuses an empty username; GetUsers echoes the users.
type seedUsers struct {
	userspb.UnimplementedUsersServer
}

func (seedUsers) CreateUser(_ context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	if req.GetUsername() == "" {
		return nil, wire.Errorf(wire.InvalidArgument, "username is required")
	}
	return &userspb.CreateUserResult{User: &userspb.User{Username: req.GetUsername(), UserId: 1}}, nil
}

func (seedUsers) GetUsers(req *userspb.GetUsersRequest, st server.ServerStreamingServer[userspb.GetUsersResult]) error {
	for _, u := range req.GetUser() {
		if err := st.Send(&userspb.GetUsersResult{User: u}); err != nil {
			return err
		}
	}
	return nil
}

// seedCalls runs the seed's calls and an error call on one connection, with
// both ends traced, and returns the two traces once the connection is gone.
func seedCalls(t *testing.T) (clientTrace, serverTrace string) {
	t.Helper()
	var cbuf, sbuf testio.Buffer
	srv := server.New(server.Trace(&sbuf, trace.OmitTimes()))
	userspb.RegisterUsersServer(srv, seedUsers{})
	addr := testsvc.Serve(t, srv)
	// A fixed :authority keeps the HPACK lengths the same whatever port the
	// listener got.
	conn, err := client.Dial(addr, client.WithTrace(&cbuf, trace.OmitTimes()), client.WithAuthority("localhost:50051"))
	if err != nil {
		t.Fatal(err)
	}
	// No deadline, as in the seed: a deadline would add a grpc-timeout
	// field whose value changes from run to run. The timer only keeps a
	// broken test from hanging.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := time.AfterFunc(testsvc.Timeout, cancel)
	defer stop.Stop()
	users := userspb.NewUsersClient(conn)

	res, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"}, client.WithMetadata(wire.NewMetadata("ip", "127.0.0.1")))
	if err != nil || res.GetUser().GetUsername() != "tom" {
		t.Fatalf("CreateUser: %v, %v", res, err)
	}
	n := 0
	for _, err := range users.GetUsers(ctx, &userspb.GetUsersRequest{User: []*userspb.User{{Username: "alexa", UserId: 1}, {Username: "christie", UserId: 1}}}) {
		if err != nil {
			t.Fatalf("GetUsers: %v", err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("GetUsers gave %d results, want 2", n)
	}
	if _, err := users.CreateUser(ctx, &userspb.CreateUserRequest{}); wire.CodeOf(err) != wire.InvalidArgument {
		t.Fatalf("CreateUser without a username: %v, want INVALID_ARGUMENT", err)
	}
	conn.Close()
	srv.Stop()
	return cbuf.String(), sbuf.String()
}

func TestSeedCallsTraced(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ct, st := seedCalls(t)

	for _, tt := range []struct {
		side   string
		trace  string
		stream uint32
		want   string
	}{
		{"client", ct, 1, clientUnary},
		{"client", ct, 3, clientStreaming},
		{"client", ct, 5, clientError},
		{"server", st, 1, serverUnary},
		{"server", st, 3, serverStreaming},
		{"server", st, 5, serverError},
	} {
		if got := tracetest.Stream(tt.trace, 1, tt.stream); got != tt.want {
			t.Errorf("%s side, stream %d:\n%s\n%s\nwhole trace:\n%s", tt.side, tt.stream, got, golden.FirstDiff(got, tt.want), tt.trace)
		}
	}

	// Stream 0: each side writes its SETTINGS and acknowledges the other's.
	for _, tt := range []struct{ side, trace string }{{"client", ct}, {"server", st}} {
		c := tracetest.Canonical(tt.trace)
		for _, want := range []string{
			"c1 -> SETTINGS      stream=0 len=",
			"c1 -> SETTINGS      stream=0 flags=ACK len=0\n",
			"c1 <- SETTINGS      stream=0 len=",
			"c1 <- SETTINGS      stream=0 flags=ACK len=0\n",
		} {
			if !strings.Contains(c, want) {
				t.Errorf("%s trace has no line starting %q:\n%s", tt.side, want, c)
			}
		}
		if !strings.HasPrefix(c, "c1 connection: client 127.0.0.1:") || !strings.Contains(c, "traced at the "+tt.side+"\n") {
			t.Errorf("%s trace does not start with its connection line:\n%s", tt.side, c)
		}
	}
}

// TestLargeMessageTraced sends a message larger than a DATA frame can hold
// (SETTINGS_MAX_FRAME_SIZE is 16384 by default) through a real connection:
// the trace shows its pieces frame by frame and decodes it once whole.
func TestLargeMessageTraced(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var cbuf testio.Buffer
	srv := server.New()
	userspb.RegisterUsersServer(srv, seedUsers{})
	addr := testsvc.Serve(t, srv)
	conn := testsvc.Dial(t, addr, client.WithTrace(&cbuf, trace.OmitTimes()))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	name := strings.Repeat("n", 40000)
	if _, err := userspb.NewUsersClient(conn).CreateUser(ctx, &userspb.CreateUserRequest{Username: name}); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	got := tracetest.Stream(cbuf.String(), 1, 1)
	// The request is 40004 bytes (a tag, a 3-byte length, the 40000-byte
	// string) after its 5-byte prefix, in frames of at most 16384 bytes.
	for _, want := range []string{
		"c1 -> DATA          stream=1 len=16384\n" +
			"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=40004 users.CreateUserRequest  # 16379 bytes here, the rest follows\n",
		"c1 -> DATA          stream=1 len=16384\n" +
			"      ... 16384 more bytes of the message (32763 of 40004)\n",
		"      ... the last 7241 bytes of the message (40004 of 40004)\n" +
			"        username: \"" + name + "\"\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the trace of a 40004-byte request lacks %.200q:\n%.3000s", want, got)
		}
	}
	if n := strings.Count(got, "username: \""+name+"\""); n != 2 {
		t.Errorf("the 40000-byte username is decoded %d times, want 2 (request and response)", n)
	}
}
