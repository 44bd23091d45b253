package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// echo makes a unary call of the test service's Echo.
func echo(ctx context.Context, cc client.ConnInterface, s string, opts ...client.CallOption) (string, error) {
	res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String(s), opts...)
	if err != nil {
		return "", err
	}
	return res.Value, nil
}

// start runs a test service with the default handlers (or svc's) and
// returns a Conn to it.
func start(t *testing.T, svc *testsvc.Service, opts ...client.Option) *client.Conn {
	t.Helper()
	_, addr := testsvc.Start(t, svc)
	return testsvc.Dial(t, addr, opts...)
}

// wantStatus checks that err is a *wire.Status (found with errors.As, as
// applications find it) with code and a message containing every one of
// want, and returns it.
func wantStatus(t *testing.T, err error, code wire.Code, want ...string) *wire.Status {
	t.Helper()
	var st *wire.Status
	if !errors.As(err, &st) {
		t.Fatalf("error %v (%T) is not a *wire.Status; want %v", err, err, code)
	}
	if st.Code != code {
		t.Errorf("status %v: %q, want code %v", st.Code, st.Message, code)
	}
	for _, w := range want {
		if !strings.Contains(st.Message, w) {
			t.Errorf("status message %q does not contain %q", st.Message, w)
		}
	}
	return st
}
