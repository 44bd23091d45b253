package main

import (
	"context"
	"io"
	"sync"

	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// createdUserID is the id CreateUser gives every user, as the seed's server
// does: it has no storage, and the tutorial is about the calls.
const createdUserID = 1

// usersServer implements users.Users as the seed's Python server does.
type usersServer struct {
	userspb.UnimplementedUsersServer

	mu  sync.Mutex // serializes the metadata lines of concurrent calls
	out io.Writer
}

// CreateUser prints the call's metadata and returns the user with id 1.
func (s *usersServer) CreateUser(ctx context.Context, req *userspb.CreateUserRequest) (*userspb.CreateUserResult, error) {
	line := formatMetadata(server.MetadataFromContext(ctx))
	s.mu.Lock()
	_, _ = io.WriteString(s.out, line+"\n")
	s.mu.Unlock()
	if req.GetUsername() == "" {
		return nil, wire.Errorf(wire.InvalidArgument, "username is required")
	}
	return &userspb.CreateUserResult{
		User: &userspb.User{Username: req.GetUsername(), UserId: createdUserID},
	}, nil
}

// GetUsers streams back one result per requested user.
func (s *usersServer) GetUsers(req *userspb.GetUsersRequest, stream server.ServerStreamingServer[userspb.GetUsersResult]) error {
	for _, u := range req.GetUser() {
		res := &userspb.GetUsersResult{
			User: &userspb.User{Username: u.GetUsername(), UserId: u.GetUserId()},
		}
		if err := stream.Send(res); err != nil {
			return err
		}
	}
	return nil
}
