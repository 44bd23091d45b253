package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"grpcwire/client"
	pb "grpcwire/interop/grpc_testing"
	"grpcwire/wire"
)

// The payload sizes of the cases, from doc/interop-test-descriptions.md.
const (
	largeRequestSize  = 271828 // large_unary's request body
	largeResponseSize = 314159 // large_unary's response body

	// client_compressed_streaming's two messages and their sum, 73086.
	compressedStreamFirst  = 27182
	compressedStreamSecond = 45904

	// server_compressed_streaming's two responses.
	compressedResponseFirst  = 31415
	compressedResponseSecond = 92653

	// timeout_on_sleeping_server's deadline: "sets its timeout to 1ms".
	sleepingServerTimeout = time.Millisecond
)

// The request and response sizes of client_streaming, server_streaming and
// ping_pong, in the order the cases send and expect them.
var (
	streamRequestSizes  = []int{27182, 8, 1828, 45904}
	streamResponseSizes = []int{31415, 9, 2653, 58979}
)

// The Echo Metadata values of custom_metadata: an ASCII value for the
// initial metadata and three binary bytes, 0xababab, for the trailing one.
const (
	echoInitialValue  = "test_initial_metadata_value"
	echoTrailingValue = "\xab\xab\xab"
)

// The statuses of status_code_and_message and special_status_message. The
// special message has leading and trailing whitespace and characters from
// inside and outside Unicode's BMP, which must survive grpc-message's
// percent-encoding both ways.
const (
	echoStatusCode         = 2 // UNKNOWN
	echoStatusMessage      = "test status message"
	specialStatusMessage   = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
	unimplementedMethod    = "/grpc.testing.TestService/UnimplementedCall"
	specialMessageDeadline = 10 * time.Second
)

// CaseFunc runs one interop case on a client connection and returns nil when
// every assertion the case description makes holds, or an error naming the
// first one that did not.
type CaseFunc func(ctx context.Context, cc client.ConnInterface) error

// Case is one named interop case.
type Case struct {
	// Name is the case's name as --test_case spells it.
	Name string
	// Run runs the case.
	Run CaseFunc
}

// Cases returns every case this client runs, in the order of
// doc/interop-test-descriptions.md. The soak cases use soak; channel_soak
// also dials a new connection for each iteration with dial.
func Cases(soak SoakConfig, dial func() (*client.Conn, error)) []Case {
	return []Case{
		{"empty_unary", EmptyUnary},
		{"large_unary", LargeUnary},
		{"client_compressed_unary", ClientCompressedUnary},
		{"server_compressed_unary", ServerCompressedUnary},
		{"client_streaming", ClientStreaming},
		{"client_compressed_streaming", ClientCompressedStreaming},
		{"server_streaming", ServerStreaming},
		{"server_compressed_streaming", ServerCompressedStreaming},
		{"ping_pong", PingPong},
		{"empty_stream", EmptyStream},
		{"timeout_on_sleeping_server", TimeoutOnSleepingServer},
		{"cancel_after_begin", CancelAfterBegin},
		{"cancel_after_first_response", CancelAfterFirstResponse},
		{"status_code_and_message", StatusCodeAndMessage},
		{"special_status_message", SpecialStatusMessage},
		{"custom_metadata", CustomMetadata},
		{"unimplemented_method", UnimplementedMethod},
		{"unimplemented_service", UnimplementedService},
		{"rpc_soak", RPCSoak(soak)},
		{"channel_soak", ChannelSoak(soak, dial)},
	}
}

// OutOfScope lists the cases of doc/interop-test-descriptions.md that this
// client does not run, each with the reason: they need Google Cloud
// credentials, a caching proxy, several servers or load-balancing
// infrastructure that a stand-alone interop pair does not have.
var OutOfScope = map[string]string{
	"cacheable_unary":                    "needs a caching proxy in front of the server",
	"compute_engine_creds":               "needs Google Compute Engine credentials",
	"service_account_creds":              "needs a Google Cloud service account key",
	"jwt_token_creds":                    "needs a Google Cloud service account key",
	"oauth2_auth_token":                  "needs Google Cloud OAuth2 credentials",
	"per_rpc_creds":                      "needs a Google Cloud service account key",
	"google_default_credentials":         "needs Google default credentials",
	"compute_engine_channel_credentials": "needs Google Compute Engine credentials",
	"pick_first_unary":                   "needs several servers behind one name (load balancing)",
	"orca_per_rpc":                       "needs ORCA load reporting (load balancing)",
	"orca_oob":                           "needs ORCA load reporting (load balancing)",
	"concurrent_large_unary":             "is marked TODO in the case descriptions",
}

// Lookup returns the case of the given name: one of Cases, or of
// NegativeCases (for a server that misbehaves on purpose). For a case that
// is out of scope or unknown, the error says which and why.
func Lookup(name string, soak SoakConfig, dial func() (*client.Conn, error)) (CaseFunc, error) {
	cases := Cases(soak, dial)
	for _, c := range append(cases, NegativeCases()...) {
		if c.Name == name {
			return c.Run, nil
		}
	}
	if why, ok := OutOfScope[name]; ok {
		return nil, fmt.Errorf("test case %q is out of scope for grpcwire's interop client: it %s", name, why)
	}
	var names, negative []string
	for _, c := range cases {
		names = append(names, c.Name)
	}
	for _, c := range NegativeCases() {
		negative = append(negative, c.Name)
	}
	return nil, fmt.Errorf("unknown test case %q; the cases are %v, and against a negative HTTP/2 server %v", name, names, negative)
}

// zeros reports whether b is all zero bytes, as every payload of the cases
// is ("clients are free to assert that the response payload body contents
// are zero").
func zeros(b []byte) bool {
	return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 })
}

// newPayload makes a request payload of size zero bytes.
func clientPayload(size int) *pb.Payload {
	return &pb.Payload{Type: pb.PayloadType_COMPRESSABLE, Body: make([]byte, size)}
}

// checkPayload checks a response payload's type, size and contents.
func checkPayload(what string, p *pb.Payload, size int) error {
	if p.GetType() != pb.PayloadType_COMPRESSABLE {
		return fmt.Errorf("%s: payload type %v, want COMPRESSABLE", what, p.GetType())
	}
	if n := len(p.GetBody()); n != size {
		return fmt.Errorf("%s: payload body of %d bytes, want %d", what, n, size)
	}
	if !zeros(p.GetBody()) {
		return fmt.Errorf("%s: payload body is not all zeros", what)
	}
	return nil
}

// wantCode checks that err carries code and, when msg is not nil, exactly
// that message.
func wantCode(what string, err error, code wire.Code, msg *string) error {
	if err == nil {
		return fmt.Errorf("%s succeeded; want status %v", what, code)
	}
	st := wire.StatusOf(err)
	if st.Code != code {
		return fmt.Errorf("%s: got %w; want status %v", what, err, code)
	}
	if msg != nil && st.Message != *msg {
		return fmt.Errorf("%s: status message %q; want %q", what, st.Message, *msg)
	}
	return nil
}

// EmptyUnary is empty_unary: EmptyCall with the empty message succeeds and
// returns the empty message.
func EmptyUnary(ctx context.Context, cc client.ConnInterface) error {
	res, err := pb.NewTestServiceClient(cc).EmptyCall(ctx, &pb.Empty{})
	if err != nil {
		return fmt.Errorf("EmptyCall: %w", err)
	}
	if res == nil || !proto.Equal(res, &pb.Empty{}) {
		return fmt.Errorf("EmptyCall returned %v; want the empty message", res)
	}
	return nil
}

// largeRequest is large_unary's request.
func largeRequest() *pb.SimpleRequest {
	return &pb.SimpleRequest{
		ResponseType: pb.PayloadType_COMPRESSABLE,
		ResponseSize: largeResponseSize,
		Payload:      clientPayload(largeRequestSize),
	}
}

// LargeUnary is large_unary: a 271828-byte request gets a 314159-byte
// response of zeros.
func LargeUnary(ctx context.Context, cc client.ConnInterface) error {
	res, err := pb.NewTestServiceClient(cc).UnaryCall(ctx, largeRequest())
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}
	return checkPayload("UnaryCall", res.GetPayload(), largeResponseSize)
}

// ClientCompressedUnary is client_compressed_unary: an uncompressed probe
// that claims to be compressed must fail with INVALID_ARGUMENT (proving the
// server checks, the CompressedRequest feature); then a compressed request
// and an uncompressed one, each saying so, succeed.
func ClientCompressedUnary(ctx context.Context, cc client.ConnInterface) error {
	tc := pb.NewTestServiceClient(cc)
	probe := largeRequest()
	probe.ExpectCompressed = &pb.BoolValue{Value: true}
	_, err := tc.UnaryCall(ctx, probe)
	if wire.CodeOf(err) != wire.InvalidArgument {
		return fmt.Errorf("the server does not implement the CompressedRequest feature: an uncompressed probe with expect_compressed=true returned %v; want INVALID_ARGUMENT", describe(err))
	}
	for _, compressed := range []bool{true, false} {
		req := largeRequest()
		req.ExpectCompressed = &pb.BoolValue{Value: compressed}
		var opts []client.CallOption
		if compressed {
			opts = append(opts, client.UseCompressor(compressor))
		}
		res, err := tc.UnaryCall(ctx, req, opts...)
		if err != nil {
			return fmt.Errorf("UnaryCall with a request compressed=%v: %w", compressed, err)
		}
		if err := checkPayload(fmt.Sprintf("UnaryCall with a request compressed=%v", compressed), res.GetPayload(), largeResponseSize); err != nil {
			return err
		}
	}
	return nil
}

// describe words a call's outcome for an error message.
func describe(err error) string {
	if err == nil {
		return "OK"
	}
	return err.Error()
}

// flagStream is the part of *client.Stream the compression cases need: the
// Compressed-Flag of each message received.
type flagStream interface {
	client.ClientStream
	RecvMsgCompressed(m proto.Message) (bool, error)
}

// newFlagStream starts a call whose responses' Compressed-Flags can be
// read. It needs a connection whose streams are *client.Stream (no stream
// interceptor that wraps them).
func newFlagStream(ctx context.Context, cc client.ConnInterface, desc *client.StreamDesc, method string, opts ...client.CallOption) (flagStream, error) {
	cs, err := cc.NewStream(ctx, desc, method, opts...)
	if err != nil {
		return nil, err
	}
	fs, ok := cs.(flagStream)
	if !ok {
		if c, ok := cs.(interface{ Cancel() }); ok {
			c.Cancel()
		}
		return nil, fmt.Errorf("the connection's streams (%T) cannot report the Compressed-Flag of a message", cs)
	}
	return fs, nil
}

// unaryWithFlag makes a unary call on a stream, to learn whether its one
// response came compressed.
func unaryWithFlag(ctx context.Context, cc client.ConnInterface, method string, req, res proto.Message) (compressed bool, err error) {
	cs, err := newFlagStream(ctx, cc, &client.StreamDesc{}, method)
	if err != nil {
		return false, err
	}
	if err := cs.SendMsg(req); err != nil && err != io.EOF {
		return false, err
	}
	cs.CloseSend()
	if compressed, err = cs.RecvMsgCompressed(res); err != nil {
		return false, err
	}
	if err := cs.RecvMsg(res.ProtoReflect().New().Interface()); err != io.EOF {
		if err == nil {
			return false, errors.New("the server sent more than one response to a unary call")
		}
		return false, err
	}
	return compressed, nil
}

// ServerCompressedUnary is server_compressed_unary: a response asked to be
// compressed has its Compressed-Flag set, and one asked not to be has it
// clear.
func ServerCompressedUnary(ctx context.Context, cc client.ConnInterface) error {
	for _, want := range []bool{true, false} {
		req := largeRequest()
		req.ResponseCompressed = &pb.BoolValue{Value: want}
		res := new(pb.SimpleResponse)
		got, err := unaryWithFlag(ctx, cc, pb.TestService_UnaryCall_FullMethodName, req, res)
		what := fmt.Sprintf("UnaryCall with response_compressed=%v", want)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if got != want {
			return fmt.Errorf("%s: the response's Compressed-Flag is %v; want %v", what, got, want)
		}
		if err := checkPayload(what, res.GetPayload(), largeResponseSize); err != nil {
			return err
		}
	}
	return nil
}

// ClientStreaming is client_streaming: four messages of 27182, 8, 1828 and
// 45904 bytes add up to 74922.
func ClientStreaming(ctx context.Context, cc client.ConnInterface) error {
	stream, err := pb.NewTestServiceClient(cc).StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	sum := 0
	for _, size := range streamRequestSizes {
		if err := stream.Send(&pb.StreamingInputCallRequest{Payload: clientPayload(size)}); err != nil && err != io.EOF {
			return fmt.Errorf("StreamingInputCall: send: %w", err)
		}
		sum += size
	}
	res, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	if got := int(res.GetAggregatedPayloadSize()); got != sum {
		return fmt.Errorf("StreamingInputCall: aggregated_payload_size %d; want %d", got, sum)
	}
	return nil
}

// ClientCompressedStreaming is client_compressed_streaming: a probe stream
// whose one uncompressed message claims to be compressed must fail with
// INVALID_ARGUMENT; then a stream of one compressed and one uncompressed
// message, each saying so, succeeds with their sizes' sum, 73086.
func ClientCompressedStreaming(ctx context.Context, cc client.ConnInterface) error {
	tc := pb.NewTestServiceClient(cc)
	probe, err := tc.StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall (probe): %w", err)
	}
	if err := probe.Send(&pb.StreamingInputCallRequest{
		ExpectCompressed: &pb.BoolValue{Value: true},
		Payload:          clientPayload(compressedStreamFirst),
	}); err != nil && err != io.EOF {
		return fmt.Errorf("StreamingInputCall (probe): send: %w", err)
	}
	if _, err := probe.CloseAndRecv(); wire.CodeOf(err) != wire.InvalidArgument {
		return fmt.Errorf("the server does not implement the CompressedRequest feature: an uncompressed probe message with expect_compressed=true returned %v; want INVALID_ARGUMENT", describe(err))
	}

	cs, err := newFlagStream(ctx, cc, &client.StreamDesc{ClientStreams: true}, pb.TestService_StreamingInputCall_FullMethodName, client.UseCompressor(compressor))
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	if err := cs.SendMsg(&pb.StreamingInputCallRequest{
		ExpectCompressed: &pb.BoolValue{Value: true},
		Payload:          clientPayload(compressedStreamFirst),
	}); err != nil && err != io.EOF {
		return fmt.Errorf("StreamingInputCall: send the compressed message: %w", err)
	}
	setter, ok := cs.(interface{ SetCompressMessages(bool) })
	if !ok {
		return fmt.Errorf("the connection's streams (%T) cannot turn compression off for one message", cs)
	}
	setter.SetCompressMessages(false)
	if err := cs.SendMsg(&pb.StreamingInputCallRequest{
		ExpectCompressed: &pb.BoolValue{Value: false},
		Payload:          clientPayload(compressedStreamSecond),
	}); err != nil && err != io.EOF {
		return fmt.Errorf("StreamingInputCall: send the uncompressed message: %w", err)
	}
	cs.CloseSend()
	res := new(pb.StreamingInputCallResponse)
	if err := cs.RecvMsg(res); err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	if got, want := int(res.GetAggregatedPayloadSize()), compressedStreamFirst+compressedStreamSecond; got != want {
		return fmt.Errorf("StreamingInputCall: aggregated_payload_size %d; want %d", got, want)
	}
	return nil
}

// ServerStreaming is server_streaming: one request gets exactly four
// responses of 31415, 9, 2653 and 58979 bytes, in order.
func ServerStreaming(ctx context.Context, cc client.ConnInterface) error {
	req := &pb.StreamingOutputCallRequest{ResponseType: pb.PayloadType_COMPRESSABLE}
	for _, size := range streamResponseSizes {
		req.ResponseParameters = append(req.ResponseParameters, &pb.ResponseParameters{Size: int32(size)})
	}
	n := 0
	for res, err := range pb.NewTestServiceClient(cc).StreamingOutputCall(ctx, req) {
		if err != nil {
			return fmt.Errorf("StreamingOutputCall after %d responses: %w", n, err)
		}
		if n >= len(streamResponseSizes) {
			return fmt.Errorf("StreamingOutputCall: more than %d responses", len(streamResponseSizes))
		}
		if err := checkPayload(fmt.Sprintf("StreamingOutputCall response %d", n+1), res.GetPayload(), streamResponseSizes[n]); err != nil {
			return err
		}
		n++
	}
	if n != len(streamResponseSizes) {
		return fmt.Errorf("StreamingOutputCall: %d responses; want %d", n, len(streamResponseSizes))
	}
	return nil
}

// ServerCompressedStreaming is server_compressed_streaming: of two
// responses, the one asked to be compressed has its Compressed-Flag set and
// the other has it clear.
func ServerCompressedStreaming(ctx context.Context, cc client.ConnInterface) error {
	sizes := []int{compressedResponseFirst, compressedResponseSecond}
	flags := []bool{true, false}
	req := &pb.StreamingOutputCallRequest{ResponseType: pb.PayloadType_COMPRESSABLE}
	for i := range sizes {
		req.ResponseParameters = append(req.ResponseParameters, &pb.ResponseParameters{
			Size:       int32(sizes[i]),
			Compressed: &pb.BoolValue{Value: flags[i]},
		})
	}
	cs, err := newFlagStream(ctx, cc, &client.StreamDesc{ServerStreams: true}, pb.TestService_StreamingOutputCall_FullMethodName)
	if err != nil {
		return fmt.Errorf("StreamingOutputCall: %w", err)
	}
	if err := cs.SendMsg(req); err != nil && err != io.EOF {
		return fmt.Errorf("StreamingOutputCall: send: %w", err)
	}
	cs.CloseSend()
	for i := range sizes {
		res := new(pb.StreamingOutputCallResponse)
		got, err := cs.RecvMsgCompressed(res)
		if err == io.EOF {
			return fmt.Errorf("StreamingOutputCall: %d responses; want %d", i, len(sizes))
		}
		if err != nil {
			return fmt.Errorf("StreamingOutputCall after %d responses: %w", i, err)
		}
		what := fmt.Sprintf("StreamingOutputCall response %d (compressed=%v)", i+1, flags[i])
		if got != flags[i] {
			return fmt.Errorf("%s: the Compressed-Flag is %v; want %v", what, got, flags[i])
		}
		if err := checkPayload(what, res.GetPayload(), sizes[i]); err != nil {
			return err
		}
	}
	if err := cs.RecvMsg(new(pb.StreamingOutputCallResponse)); err != io.EOF {
		if err == nil {
			return fmt.Errorf("StreamingOutputCall: more than %d responses", len(sizes))
		}
		return fmt.Errorf("StreamingOutputCall: %w", err)
	}
	return nil
}

// PingPong is ping_pong: four requests on a FullDuplexCall, each sent after
// the previous response arrived, get one response each of the asked size.
func PingPong(ctx context.Context, cc client.ConnInterface) error {
	stream, err := pb.NewTestServiceClient(cc).FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	for i := range streamRequestSizes {
		req := &pb.StreamingOutputCallRequest{
			ResponseType:       pb.PayloadType_COMPRESSABLE,
			ResponseParameters: []*pb.ResponseParameters{{Size: int32(streamResponseSizes[i])}},
			Payload:            clientPayload(streamRequestSizes[i]),
		}
		if err := stream.Send(req); err != nil && err != io.EOF {
			return fmt.Errorf("FullDuplexCall: send %d: %w", i+1, err)
		}
		res, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("FullDuplexCall: response %d: %w", i+1, err)
		}
		if err := checkPayload(fmt.Sprintf("FullDuplexCall response %d", i+1), res.GetPayload(), streamResponseSizes[i]); err != nil {
			return err
		}
	}
	stream.CloseSend()
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("FullDuplexCall after the last response: got %v; want the end of the call with OK", describeMsg(err))
	}
	return nil
}

// describeMsg words an unexpected Recv outcome: a message or an error.
func describeMsg(err error) string {
	if err == nil {
		return "another response"
	}
	return err.Error()
}

// EmptyStream is empty_stream: a FullDuplexCall half-closed at once ends
// with OK and no response.
func EmptyStream(ctx context.Context, cc client.ConnInterface) error {
	stream, err := pb.NewTestServiceClient(cc).FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	stream.CloseSend()
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("FullDuplexCall with no request: got %v; want the end of the call with OK and no response", describeMsg(err))
	}
	return nil
}

// TimeoutOnSleepingServer is timeout_on_sleeping_server: a FullDuplexCall
// with a 1 ms deadline, whose request asks for no response, ends with
// DEADLINE_EXCEEDED.
func TimeoutOnSleepingServer(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := context.WithTimeout(ctx, sleepingServerTimeout)
	defer cancel()
	stream, err := pb.NewTestServiceClient(cc).FullDuplexCall(ctx)
	if err != nil {
		// The deadline may pass before the call even starts.
		return wantCode("FullDuplexCall", err, wire.DeadlineExceeded, nil)
	}
	if err := stream.Send(&pb.StreamingOutputCallRequest{
		ResponseType: pb.PayloadType_COMPRESSABLE,
		Payload:      clientPayload(streamRequestSizes[0]),
	}); err != nil && err != io.EOF {
		return wantCode("FullDuplexCall: send", err, wire.DeadlineExceeded, nil)
	}
	_, err = stream.Recv()
	return wantCode("FullDuplexCall on a sleeping server", err, wire.DeadlineExceeded, nil)
}

// CancelAfterBegin is cancel_after_begin: a StreamingInputCall cancelled
// before it sent anything ends with CANCELLED.
func CancelAfterBegin(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := pb.NewTestServiceClient(cc).StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	cancel()
	_, err = stream.CloseAndRecv()
	return wantCode("StreamingInputCall cancelled after it began", err, wire.Canceled, nil)
}

// CancelAfterFirstResponse is cancel_after_first_response: a FullDuplexCall
// cancelled after its first response ends with CANCELLED.
func CancelAfterFirstResponse(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := pb.NewTestServiceClient(cc).FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	if err := stream.Send(&pb.StreamingOutputCallRequest{
		ResponseType:       pb.PayloadType_COMPRESSABLE,
		ResponseParameters: []*pb.ResponseParameters{{Size: int32(streamResponseSizes[0])}},
		Payload:            clientPayload(streamRequestSizes[0]),
	}); err != nil && err != io.EOF {
		return fmt.Errorf("FullDuplexCall: send: %w", err)
	}
	if _, err := stream.Recv(); err != nil {
		return fmt.Errorf("FullDuplexCall: first response: %w", err)
	}
	cancel()
	_, err = stream.Recv()
	return wantCode("FullDuplexCall cancelled after its first response", err, wire.Canceled, nil)
}

// StatusCodeAndMessage is status_code_and_message: the status a request
// asks for comes back, code and message, from UnaryCall and from
// FullDuplexCall.
func StatusCodeAndMessage(ctx context.Context, cc client.ConnInterface) error {
	return echoStatusCase(ctx, cc, echoStatusMessage, true)
}

// SpecialStatusMessage is special_status_message: a status message with
// whitespace and non-ASCII characters comes back byte for byte.
func SpecialStatusMessage(ctx context.Context, cc client.ConnInterface) error {
	ctx, cancel := context.WithTimeout(ctx, specialMessageDeadline)
	defer cancel()
	return echoStatusCase(ctx, cc, specialStatusMessage, false)
}

// echoStatusCase asks UnaryCall (and FullDuplexCall when duplex) to end
// with code 2 and msg, and checks both come back.
func echoStatusCase(ctx context.Context, cc client.ConnInterface, msg string, duplex bool) error {
	tc := pb.NewTestServiceClient(cc)
	status := &pb.EchoStatus{Code: echoStatusCode, Message: msg}
	_, err := tc.UnaryCall(ctx, &pb.SimpleRequest{ResponseStatus: status})
	if err := wantCode("UnaryCall with response_status", err, echoStatusCode, &msg); err != nil {
		return err
	}
	if !duplex {
		return nil
	}
	stream, err := tc.FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	if err := stream.Send(&pb.StreamingOutputCallRequest{ResponseStatus: status}); err != nil && err != io.EOF {
		return fmt.Errorf("FullDuplexCall: send: %w", err)
	}
	stream.CloseSend()
	_, err = stream.Recv()
	return wantCode("FullDuplexCall with response_status", err, echoStatusCode, &msg)
}

// CustomMetadata is custom_metadata: an ASCII initial value and a binary
// trailing value sent as request metadata come back, the first in the
// response headers and the second in the trailers, on UnaryCall and on
// FullDuplexCall.
func CustomMetadata(ctx context.Context, cc client.ConnInterface) error {
	md := client.WithMetadata(wire.NewMetadata(EchoInitialKey, echoInitialValue, EchoTrailingKey, echoTrailingValue))
	tc := pb.NewTestServiceClient(cc)
	var header, trailer wire.Metadata
	res, err := tc.UnaryCall(ctx, largeRequest(), md, client.Header(&header), client.Trailer(&trailer))
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}
	if err := checkPayload("UnaryCall", res.GetPayload(), largeResponseSize); err != nil {
		return err
	}
	if err := checkEcho("UnaryCall", header, trailer); err != nil {
		return err
	}

	stream, err := tc.FullDuplexCall(ctx, md)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	if err := stream.Send(&pb.StreamingOutputCallRequest{
		ResponseType:       pb.PayloadType_COMPRESSABLE,
		ResponseParameters: []*pb.ResponseParameters{{Size: largeResponseSize}},
		Payload:            clientPayload(largeRequestSize),
	}); err != nil && err != io.EOF {
		return fmt.Errorf("FullDuplexCall: send: %w", err)
	}
	stream.CloseSend()
	sheader, err := stream.Header()
	if err != nil {
		return fmt.Errorf("FullDuplexCall: headers: %w", err)
	}
	r, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("FullDuplexCall: response: %w", err)
	}
	if err := checkPayload("FullDuplexCall", r.GetPayload(), largeResponseSize); err != nil {
		return err
	}
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("FullDuplexCall after its response: got %v; want the end of the call with OK", describeMsg(err))
	}
	return checkEcho("FullDuplexCall", sheader, stream.Trailer())
}

// checkEcho checks the echoed metadata: exactly one value of each key, the
// one sent.
func checkEcho(what string, header, trailer wire.Metadata) error {
	if v := header.Get(EchoInitialKey); len(v) != 1 || v[0] != echoInitialValue {
		return fmt.Errorf("%s: response headers hold %s = %q; want exactly [%q]", what, EchoInitialKey, v, echoInitialValue)
	}
	if v := trailer.Get(EchoTrailingKey); len(v) != 1 || !bytes.Equal([]byte(v[0]), []byte(echoTrailingValue)) {
		return fmt.Errorf("%s: trailers hold %s = %q; want exactly [%q]", what, EchoTrailingKey, v, echoTrailingValue)
	}
	return nil
}

// UnimplementedMethod is unimplemented_method: a call of
// TestService/UnimplementedCall, which no server implements, ends with
// UNIMPLEMENTED.
func UnimplementedMethod(ctx context.Context, cc client.ConnInterface) error {
	err := cc.Invoke(ctx, unimplementedMethod, &pb.Empty{}, &pb.Empty{})
	return wantCode(unimplementedMethod, err, wire.Unimplemented, nil)
}

// UnimplementedService is unimplemented_service: a call of a service the
// server does not have ends with UNIMPLEMENTED.
func UnimplementedService(ctx context.Context, cc client.ConnInterface) error {
	_, err := pb.NewUnimplementedServiceClient(cc).UnimplementedCall(ctx, &pb.Empty{})
	return wantCode(pb.UnimplementedService_UnimplementedCall_FullMethodName, err, wire.Unimplemented, nil)
}
