package interop

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"grpcwire/client"
	pb "grpcwire/interop/grpc_testing"
	"grpcwire/wire"
)

// The negative HTTP/2 cases of grpc/grpc
// doc/negative-http2-interop-test-descriptions.md run against a server that
// misbehaves on purpose at the HTTP/2 level (grpc's Python
// test/http2_test, or grpcwire's cmd/http2-interop-server) started with the
// same --test_case. Every case sends large_unary's request ("response_size:
// 314159, payload: body: 271828 bytes of zeros").

// Bounds of the negative cases.
const (
	// negativeTimeout bounds one case: its calls move about 5 MB at most,
	// and a loaded machine may be slow.
	negativeTimeout = 60 * time.Second
	// maxStreamsCalls is how many calls max_streams makes at once: "Client
	// concurrently sends 10 UnaryCalls."
	maxStreamsCalls = 10
)

// NegativeCases returns the six cases of
// doc/negative-http2-interop-test-descriptions.md, in its order.
func NegativeCases() []Case {
	return []Case{
		{"goaway", GoAway},
		{"rst_after_header", RSTAfterHeader},
		{"rst_during_data", RSTDuringData},
		{"rst_after_data", RSTAfterData},
		{"ping", Ping},
		{"max_streams", MaxStreams},
	}
}

// negativeContext bounds a case that its caller did not bound.
func negativeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, negativeTimeout)
}

// largeCall is the cases' UnaryCall, which must succeed with a 314159-byte
// payload of zeros. (The description says the "Response payload body is
// 1024 bytes in size", contradicting the response_size it sends; the
// Python server answers response_size bytes, and grpc-go's negative client
// checks 314159.)
func largeCall(ctx context.Context, cc client.ConnInterface, what string) error {
	res, err := pb.NewTestServiceClient(cc).UnaryCall(ctx, largeRequest())
	if err != nil {
		return fmt.Errorf("%s: UnaryCall: %w", what, err)
	}
	return checkPayload(what, res.GetPayload(), largeResponseSize)
}

// GoAway is goaway: "The client should handle the goaway by switching to a
// new stream without the user application having to do a thing." Two
// UnaryCalls in a row succeed; the server sends GOAWAY after the first. No
// pause is needed between them (grpc-go's client sleeps a second): if the
// second call goes out on the old connection before the GOAWAY arrives, the
// GOAWAY's last stream id says the server did not process it, and the
// client sends it again on a new connection.
func GoAway(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := negativeContext(ctx)
	defer cancel()
	for _, what := range []string{"the first call", "the call after the GOAWAY"} {
		if err := largeCall(ctx, cc, what); err != nil {
			return err
		}
	}
	return nil
}

// expectReset checks a call the server reset with RST_STREAM NO_ERROR
// before its trailers: "Call was not successful", with no reply delivered,
// and the status PROTOCOL-HTTP2.md maps RST_STREAM NO_ERROR to: "NO_ERROR(0)
// | INTERNAL - An explicit GRPC status of OK should have been sent". (The
// description leaves the code open: "the error code and message returned
// are not standardized throughout all languages".)
func expectReset(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := negativeContext(ctx)
	defer cancel()
	res, err := pb.NewTestServiceClient(cc).UnaryCall(ctx, largeRequest())
	switch {
	case err == nil:
		return errors.New("UnaryCall succeeded; want a failure: the server reset the stream before its trailers")
	case res != nil:
		return fmt.Errorf("UnaryCall failed (%v) but delivered a reply", err)
	case wire.CodeOf(err) != wire.Internal:
		return fmt.Errorf("UnaryCall: got %w; want status INTERNAL, PROTOCOL-HTTP2.md's code for RST_STREAM NO_ERROR", err)
	}
	return nil
}

// RSTAfterHeader is rst_after_header: the server resets the stream right
// after its Response-Headers; the call fails with INTERNAL.
func RSTAfterHeader(ctx context.Context, cc client.ConnInterface) error {
	return expectReset(ctx, cc)
}

// RSTDuringData is rst_during_data: the server resets the stream after half
// of the response message; the call fails with INTERNAL. (grpc-go's
// negative client wants UNKNOWN here, which its own client no longer
// reports: it maps the RST_STREAM to INTERNAL too.)
func RSTDuringData(ctx context.Context, cc client.ConnInterface) error {
	return expectReset(ctx, cc)
}

// RSTAfterData is rst_after_data: the server resets the stream after the
// whole response message but before the trailers; the call fails with
// INTERNAL and the message is not delivered.
func RSTAfterData(ctx context.Context, cc client.ConnInterface) error {
	return expectReset(ctx, cc)
}

// Ping is ping: the server sends PINGs before and after its headers and its
// data; the call succeeds, and the server checks that every PING was
// acknowledged when the connection closes.
func Ping(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := negativeContext(ctx)
	defer cancel()
	return largeCall(ctx, cc, "UnaryCall among PINGs")
}

// MaxStreams is max_streams: after one call, which lets the client learn
// the server's SETTINGS_MAX_CONCURRENT_STREAMS of 1, ten calls at once all
// succeed; the client must queue them rather than exceed the limit (the
// server checks).
func MaxStreams(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := negativeContext(ctx)
	defer cancel()
	if err := largeCall(ctx, cc, "the first call"); err != nil {
		return err
	}
	errs := make([]error, maxStreamsCalls)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = largeCall(ctx, cc, fmt.Sprintf("concurrent call %d of %d", i+1, maxStreamsCalls)) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
