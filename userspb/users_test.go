package userspb_test

import (
	"context"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"grpcwire/client"
	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// users is a UsersServer as the seed tutorial's server writes it.
type users struct {
	userspb.UnimplementedUsersServer
}

func (users) CreateUser(_ context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	return &userspb.CreateUserResult{User: &userspb.User{Username: req.GetUsername(), UserId: 1}}, nil
}

func TestRegisterUsersServer(t *testing.T) {
	s := server.New()
	userspb.RegisterUsersServer(s, users{})
	descs := s.Services()
	if len(descs) != 1 || descs[0].Name != "users.Users" || descs[0].Descriptor.FullName() != "users.Users" {
		t.Fatalf("registered %+v, want the one users.Users service", descs)
	}
	m := descs[0].Methods
	if len(m) != 2 || m[0].Name != "CreateUser" || m[0].Kind != server.Unary || m[1].Name != "GetUsers" || m[1].Kind != server.ServerStreaming {
		t.Errorf("methods %+v, want CreateUser (unary) and GetUsers (server-streaming)", m)
	}
	// GetUsers is not overridden: the embedded Unimplemented server answers.
	err := users{}.GetUsers(&userspb.GetUsersRequest{}, nil)
	if got := wire.CodeOf(err); got != wire.Unimplemented {
		t.Errorf("GetUsers from the embedded UnimplementedUsersServer: code %v, want UNIMPLEMENTED", got)
	}
}

// conn answers CreateUser and streams two GetUsers results, recording the
// :path of each call.
type conn struct{ paths []string }

func (c *conn) Invoke(_ context.Context, method string, req, res proto.Message, _ ...client.CallOption) error {
	c.paths = append(c.paths, method)
	proto.Merge(res, &userspb.CreateUserResult{User: &userspb.User{Username: req.(*userspb.CreateUserRequest).GetUsername(), UserId: 1}})
	return nil
}

func (c *conn) NewStream(ctx context.Context, desc *client.StreamDesc, method string, _ ...client.CallOption) (client.ClientStream, error) {
	c.paths = append(c.paths, method)
	if desc.ClientStreams || !desc.ServerStreams {
		return nil, wire.Errorf(wire.Internal, "GetUsers should be server-streaming, got %+v", desc)
	}
	return &stream{ctx: ctx, left: 2}, nil
}

type stream struct {
	ctx  context.Context
	left uint32
}

func (s *stream) Context() context.Context       { return s.ctx }
func (s *stream) Header() (wire.Metadata, error) { return nil, nil }
func (s *stream) Trailer() wire.Metadata         { return nil }
func (s *stream) SendMsg(proto.Message) error    { return nil }
func (s *stream) CloseSend() error               { return nil }
func (s *stream) RecvMsg(m proto.Message) error {
	if s.left == 0 {
		return io.EOF
	}
	proto.Merge(m, &userspb.GetUsersResult{User: &userspb.User{UserId: s.left}})
	s.left--
	return nil
}

func TestUsersClient(t *testing.T) {
	cc := &conn{}
	c := userspb.NewUsersClient(cc)
	ctx := context.Background()
	res, err := c.CreateUser(ctx, &userspb.CreateUserRequest{Username: "alexa"})
	if err != nil || res.GetUser().GetUsername() != "alexa" || res.GetUser().GetUserId() != 1 {
		t.Errorf("CreateUser = %v, %v", res, err)
	}
	var ids []uint32
	for r, err := range c.GetUsers(ctx, &userspb.GetUsersRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.GetUser().GetUserId())
	}
	if len(ids) != 2 || ids[0] != 2 || ids[1] != 1 {
		t.Errorf("GetUsers yielded ids %v, want [2 1]", ids)
	}
	if len(cc.paths) != 2 || cc.paths[0] != userspb.Users_CreateUser_FullMethodName || cc.paths[1] != userspb.Users_GetUsers_FullMethodName ||
		userspb.Users_CreateUser_FullMethodName != "/users.Users/CreateUser" || userspb.Users_GetUsers_FullMethodName != "/users.Users/GetUsers" {
		t.Errorf("paths %q", cc.paths)
	}
}
