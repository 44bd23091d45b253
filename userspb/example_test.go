package userspb_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"grpcwire/client"
	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// usersService implements the generated server interface.
type usersService struct {
	userspb.UnimplementedUsersServer
}

func (usersService) CreateUser(ctx context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	if req.GetUsername() == "" {
		return nil, wire.Errorf(wire.InvalidArgument, "username is required")
	}
	return &userspb.CreateUserResult{User: &userspb.User{Username: req.GetUsername(), UserId: 1}}, nil
}

func (usersService) GetUsers(req *userspb.GetUsersRequest, stream server.ServerStreamingServer[userspb.GetUsersResult]) error {
	for _, u := range req.GetUser() {
		if err := stream.Send(&userspb.GetUsersResult{User: u}); err != nil {
			return err
		}
	}
	return nil
}

// The seed's service, served and called with the generated stubs.
func Example() {
	s := server.New()
	userspb.RegisterUsersServer(s, usersService{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Stop()

	cc, err := client.Dial(ln.Addr().String()) // cleartext HTTP/2; client.WithTLS for TLS
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	users := userspb.NewUsersClient(cc)

	res, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"},
		client.WithMetadata(wire.NewMetadata("ip", "127.0.0.1")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("User created:", res.GetUser().GetUsername())

	req := &userspb.GetUsersRequest{User: []*userspb.User{{Username: "alexa", UserId: 1}, {Username: "christie", UserId: 1}}}
	for res, err := range users.GetUsers(ctx, req) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.GetUser().GetUsername())
	}

	_, err = users.CreateUser(ctx, &userspb.CreateUserRequest{})
	st := wire.StatusOf(err)
	fmt.Println(st.Code, st.Message)
	// Output:
	// User created: tom
	// alexa
	// christie
	// INVALID_ARGUMENT username is required
}
