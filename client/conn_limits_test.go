package client_test

import (
	"context"
	"strings"
	"testing"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/wire"
)

// TestRequestHeadersOverServerLimit: request headers larger than the
// server's SETTINGS_MAX_HEADER_LIST_SIZE are not sent (the server would
// refuse them); the call fails with a status naming the limit, and the
// connection goes on serving other calls.
func TestRequestHeadersOverServerLimit(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, nil)
	_, err := echo(context.Background(), cc, "big", client.WithMetadata(wire.Metadata{"x-big": {strings.Repeat("v", int(wire.DefaultMaxHeaderListSize))}}))
	wantStatus(t, err, wire.Internal, "SETTINGS_MAX_HEADER_LIST_SIZE", "16384")
	if got, err := echo(context.Background(), cc, "small"); err != nil || got != "small" {
		t.Errorf("a call after: %q, %v", got, err)
	}
}
