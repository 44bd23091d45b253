package check

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"

	"grpcwire/cmd/grpcwire/internal/rawh2"
	pb "grpcwire/interop/grpc_testing"
	"grpcwire/wire"
)

// The checks that call grpc.testing.TestService, with the requests of
// grpc/grpc doc/interop-test-descriptions.md where a case exists.

// The values the checks send, from doc/interop-test-descriptions.md.
const (
	// specialStatusMessage is special_status_message's: whitespace at
	// both ends and characters inside and outside Unicode's BMP.
	specialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
	// echoStatusMessage is status_code_and_message's.
	echoStatusMessage = "test status message"
	// The Echo Metadata keys and custom_metadata's values.
	echoInitialKey    = "x-grpc-test-echo-initial"
	echoTrailingKey   = "x-grpc-test-echo-trailing-bin"
	echoInitialValue  = "test_initial_metadata_value"
	echoTrailingValue = "\xab\xab\xab"
)

// Bounds of the deadline check.
const (
	// deadlineTimeout is the grpc-timeout the deadline check sends.
	deadlineTimeout = 500 * time.Millisecond
	// deadlineEarly is how much sooner than the deadline the server may
	// end the call: its clock started when it read the request, a little
	// after the check's.
	deadlineEarly = 50 * time.Millisecond
	// deadlineLate is how long after the deadline the end may come, for a
	// loaded machine.
	deadlineLate = 3 * time.Second
	// sleepInterval is how long the server is asked to wait before its
	// response, far beyond the deadline.
	sleepInterval = 20 * time.Second
)

// Sizes of the flow-control and size-limit checks.
const (
	// flowWindow is the stream window the flow-control check grants:
	// HTTP/2's smallest frame size, so the server must wait for window
	// after every frame.
	flowWindow = 16384
	// flowConnWindow is the connection window: HTTP/2's initial one.
	flowConnWindow = 65535
	// flowRequest and flowResponse are the message sizes it sends and
	// asks for.
	flowRequest  = 256 << 10
	flowResponse = 1 << 20
	// defaultMaxRecv is gRPC's default limit on a received message, 4 MiB
	// (grpc-go's defaultServerMaxReceiveMessageSize).
	defaultMaxRecv = 4 << 20
)

func checkCardinalityZero(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	return expectCode(read(call(c, t.requestHeaders(unaryCallPath), nil)), wire.Unimplemented, "no request message to a unary method")
}

func checkCardinalityTwo(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	m := frame(0, marshal(simpleRequest(1, 1)))
	return expectCode(read(call(c, t.requestHeaders(unaryCallPath), append(m, m...))), wire.Unimplemented, "two request messages to a unary method")
}

// expectPayload checks a UnaryCall's answer: served, with a payload of size
// bytes.
func expectPayload(a *answer, size int, what string) Outcome {
	want := fmt.Sprintf("the call served with a %d-byte payload (%s)", size, what)
	if !a.served() {
		return fail(want, a.String())
	}
	res, err := simpleResponse(a)
	if err != nil {
		return fail(want, err.Error())
	}
	if n := len(res.GetPayload().GetBody()); n != size {
		return fail(want, fmt.Sprintf("a %d-byte payload", n))
	}
	return pass("")
}

func checkSplitFrames(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	body := frame(0, marshal(simpleRequest(1000, 100)))
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, t.requestHeaders(unaryCallPath), false); err != nil {
		return fail("an answer", err.Error())
	}
	// Frames of 1, 2, 3, ... bytes: the prefix itself is split.
	frames := 0
	for n := 1; len(body) > 0; n++ {
		k := min(n, len(body))
		if err := c.WriteDataFrame(id, body[:k], k == len(body)); err != nil {
			return fail("an answer", err.Error())
		}
		body = body[k:]
		frames++
	}
	o2 := expectPayload(read(c.ReadResponse(id)), 100, fmt.Sprintf("the request sent in %d DATA frames of 1, 2, 3, ... bytes", frames))
	return o2
}

func checkMessagesOneFrame(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	sizes := []int{3, 500, 0, 27}
	var body []byte
	sum := 0
	for _, n := range sizes {
		body = append(body, frame(0, marshal(&pb.StreamingInputCallRequest{Payload: &pb.Payload{Body: make([]byte, n)}}))...)
		sum += n
	}
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, t.requestHeaders(inputCallPath), false); err != nil {
		return fail("an answer", err.Error())
	}
	if err := c.WriteDataFrame(id, body, true); err != nil {
		return fail("an answer", err.Error())
	}
	a := read(c.ReadResponse(id))
	want := fmt.Sprintf("aggregated_payload_size %d for %d messages in one DATA frame", sum, len(sizes))
	if !a.served() || a.MessagesErr != nil || len(a.Messages) != 1 || a.Messages[0].Flag != 0 {
		return fail(want, a.String())
	}
	var res pb.StreamingInputCallResponse
	if err := proto.Unmarshal(a.Messages[0].Message, &res); err != nil {
		return fail(want, "a response that is not a StreamingInputCallResponse: "+err.Error())
	}
	if int(res.GetAggregatedPayloadSize()) != sum {
		return fail(want, fmt.Sprintf("aggregated_payload_size %d", res.GetAggregatedPayloadSize()))
	}
	return pass("")
}

func checkStatusMessageEncoding(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	req := &pb.SimpleRequest{ResponseStatus: &pb.EchoStatus{Code: 2, Message: specialStatusMessage}}
	a := read(call(c, t.requestHeaders(unaryCallPath), frame(0, marshal(req))))
	want := fmt.Sprintf("grpc-status 2 with grpc-message percent-encoding %q", specialStatusMessage)
	if !a.is(wire.Unknown) {
		return fail(want, a.String())
	}
	got, err := percentDecode(a.MessageRaw)
	if err != nil {
		return fail(want, fmt.Sprintf("grpc-message %q: %v", clip(a.MessageRaw, 120), err))
	}
	if got != specialStatusMessage {
		return fail(want, fmt.Sprintf("grpc-message %q, which decodes to %q", clip(a.MessageRaw, 120), got))
	}
	return pass("")
}

func checkStatusEcho(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	want := fmt.Sprintf("grpc-status 2 and grpc-message %q in the Trailers of UnaryCall and FullDuplexCall", echoStatusMessage)
	st := &pb.EchoStatus{Code: 2, Message: echoStatusMessage}
	calls := []struct {
		path string
		msg  proto.Message
	}{
		{unaryCallPath, &pb.SimpleRequest{ResponseStatus: st}},
		{duplexCallPath, &pb.StreamingOutputCallRequest{ResponseStatus: st}},
	}
	note := "no grpc-status-details-bin"
	for _, cl := range calls {
		a := read(call(c, t.requestHeaders(cl.path), frame(0, marshal(cl.msg))))
		if !a.is(wire.Unknown) || a.Message != echoStatusMessage {
			return fail(want, cl.path+": "+a.String())
		}
		details, ok := rawh2.Field(a.r.Trailers(), "grpc-status-details-bin")
		if !ok {
			continue
		}
		b, err := decodeBinary(details)
		if err != nil {
			return fail(want+", and grpc-status-details-bin base64", cl.path+": grpc-status-details-bin is not base64: "+err.Error())
		}
		code, msg, _, err := wire.UnmarshalStatusDetails(b)
		if err != nil || code != wire.Unknown || msg != echoStatusMessage {
			return fail(want+", and grpc-status-details-bin a google.rpc.Status with the same code and message",
				fmt.Sprintf("%s: grpc-status-details-bin holds code %d message %q (%v)", cl.path, code, msg, err))
		}
		note = "grpc-status-details-bin agrees"
	}
	return pass("%s", note)
}

// decodeBinary decodes a -bin value, padded or not.
func decodeBinary(v string) ([]byte, error) {
	if len(v)%4 == 0 {
		if b, err := base64.StdEncoding.DecodeString(v); err == nil {
			return b, nil
		}
	}
	return base64.RawStdEncoding.DecodeString(v)
}

func checkDeadline(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	req := &pb.StreamingOutputCallRequest{ResponseParameters: []*pb.ResponseParameters{{Size: 1, IntervalUs: int32(sleepInterval / time.Microsecond)}}}
	h := afterPseudo(t.requestHeaders(outputCallPath), hf("grpc-timeout", wire.EncodeTimeout(deadlineTimeout)))
	want := fmt.Sprintf("RST_STREAM CANCEL or grpc-status 4 DEADLINE_EXCEEDED at the %v deadline (the handler asked to wait %v)", deadlineTimeout, sleepInterval)
	start := time.Now()
	r := call(c, h, frame(0, marshal(req)))
	elapsed := r.Last.Sub(start)
	a := read(r)
	switch {
	case r.Reset && r.ResetCode == http2.ErrCodeCancel:
	case a.is(wire.DeadlineExceeded):
	default:
		return fail(want, a.String())
	}
	if elapsed < deadlineTimeout-deadlineEarly || elapsed > deadlineTimeout+deadlineLate {
		return fail(want, fmt.Sprintf("%s after %v", a.String(), elapsed.Round(time.Millisecond)))
	}
	return pass("%s after %v", a.String(), elapsed.Round(time.Millisecond))
}

func checkFlowControl(t *T) Outcome {
	c, err := t.Dial(rawh2.Config{
		Settings:     []http2.Setting{{ID: http2.SettingEnablePush, Val: 0}, {ID: http2.SettingInitialWindowSize, Val: flowWindow}},
		ConnWindow:   flowConnWindow,
		ManualWindow: true,
	})
	if err != nil {
		return fail("an HTTP/2 connection", err.Error())
	}
	want := fmt.Sprintf("a %d-byte response within a %d-byte stream window and a %d-byte connection window, granted again after every DATA frame", flowResponse, flowWindow, flowConnWindow)
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, t.requestHeaders(unaryCallPath), false); err != nil {
		return fail(want, err.Error())
	}
	if err := c.WriteData(id, frame(0, marshal(simpleRequest(flowRequest, flowResponse))), true); err != nil {
		return fail(want, "sending the request: "+err.Error())
	}
	var (
		r                  rawh2.Response
		streamIn, connIn   int64
		streamMax, connMax int64 = flowWindow, flowConnWindow
	)
	r.StreamID = id
	for {
		f, err := c.NextOn(id)
		if err != nil {
			r.Err = err
			break
		}
		if f.Type == http2.FrameGoAway {
			r.GoAway = f
			break
		}
		r.Frames = append(r.Frames, f)
		if f.Type == http2.FrameHeaders {
			r.Blocks = append(r.Blocks, f.Fields)
		}
		if f.Type == http2.FrameData {
			r.DataFrames++
			r.Data = append(r.Data, f.Data...)
			streamIn += int64(f.Length)
			connIn += int64(f.Length)
			if streamIn > streamMax || connIn > connMax {
				return fail(want, fmt.Sprintf("DATA beyond the window: %d bytes on the stream (window %d), %d on the connection (window %d)", streamIn, streamMax, connIn, connMax))
			}
			if f.Length > 0 {
				if err := c.WriteWindowUpdate(0, f.Length); err != nil {
					return fail(want, err.Error())
				}
				connMax += int64(f.Length)
				if !f.EndStream() {
					if err := c.WriteWindowUpdate(id, f.Length); err != nil {
						return fail(want, err.Error())
					}
					streamMax += int64(f.Length)
				}
			}
		}
		if f.Type == http2.FrameRSTStream {
			r.Reset, r.ResetCode = true, f.ErrCode
			break
		}
		if f.EndStream() {
			r.Ended = true
			break
		}
	}
	o := expectPayload(read(&r), flowResponse, "1 MiB through a 16 KiB window")
	if o.Result == Pass {
		return pass("%d DATA frames", r.DataFrames)
	}
	return o
}

func checkGzipRequest(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	h := t.requestHeaders(unaryCallPath, hf("grpc-encoding", "gzip"), hf("grpc-accept-encoding", "gzip"))
	a := read(call(c, h, frame(1, gzipBytes(marshal(simpleRequest(1000, 10))))))
	if a.is(wire.Unimplemented) {
		return skip("the server does not take gzip (UNIMPLEMENTED %q): compression.md leaves the set of algorithms to the implementation", clip(a.Message, 100))
	}
	return expectPayload(a, 10, "for a gzip-compressed request")
}

// responseCompressed checks a UnaryCall's answer for a compressed message:
// it returns whether the message was compressed, and a failure when it was
// compressed wrongly.
func responseCompressed(a *answer, want string) (bool, *Outcome) {
	if !a.served() || a.MessagesErr != nil || len(a.Messages) != 1 {
		o := fail(want, a.String())
		return false, &o
	}
	if a.Messages[0].Flag == 0 {
		return false, nil
	}
	enc, ok := rawh2.Field(a.r.Headers(), "grpc-encoding")
	if !ok {
		// "If the Message-Encoding header is omitted then the
		// Compressed-Flag must be 0."
		o := fail(want, "Compressed-Flag 1 without grpc-encoding in the Response-Headers")
		return true, &o
	}
	if enc != "gzip" {
		o := fail(want, "grpc-encoding "+enc+", which the request's grpc-accept-encoding did not offer")
		return true, &o
	}
	if _, err := simpleResponse(a); err != nil {
		o := fail(want, err.Error())
		return true, &o
	}
	return true, nil
}

func checkGzipResponse(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	want := "a gzip-compressed response (Compressed-Flag 1, grpc-encoding gzip) when asked for one"
	req := simpleRequest(10, 1000)
	req.ResponseCompressed = &pb.BoolValue{Value: true}
	a := read(call(c, t.requestHeaders(unaryCallPath, hf("grpc-accept-encoding", "gzip")), frame(0, marshal(req))))
	compressed, bad := responseCompressed(a, want)
	if bad != nil {
		return *bad
	}
	if compressed {
		return pass("")
	}
	// grpc-go compresses a response only when the request was compressed.
	h := t.requestHeaders(unaryCallPath, hf("grpc-encoding", "gzip"), hf("grpc-accept-encoding", "gzip"))
	a = read(call(c, h, frame(1, gzipBytes(marshal(req)))))
	if a.is(wire.Unimplemented) {
		return skip("the server answered uncompressed when asked for a compressed response, and does not take gzip requests (UNIMPLEMENTED %q)", clip(a.Message, 100))
	}
	compressed, bad = responseCompressed(a, want)
	if bad != nil {
		return *bad
	}
	if compressed {
		return pass("compressed only when the request was")
	}
	return skip("the server answered uncompressed even with response_compressed and a gzip request: it does not implement TestService's CompressedResponse feature (doc/interop-test-descriptions.md), and compression.md lets a server answer uncompressed")
}

func checkCompressNotAccepted(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	want := "the response uncompressed: the request's grpc-accept-encoding is identity only"
	req := simpleRequest(10, 1000)
	req.ResponseCompressed = &pb.BoolValue{Value: true}
	a := read(call(c, t.requestHeaders(unaryCallPath, hf("grpc-accept-encoding", "identity")), frame(0, marshal(req))))
	if !a.served() || a.MessagesErr != nil || len(a.Messages) != 1 {
		return fail(want, a.String())
	}
	if a.Messages[0].Flag != 0 {
		enc, _ := rawh2.Field(a.r.Headers(), "grpc-encoding")
		return fail(want, "Compressed-Flag 1 with grpc-encoding "+enc)
	}
	return pass("")
}

func checkMetadataEcho(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	want := fmt.Sprintf("%s echoed in the Response-Headers and %s in the Trailers, for UnaryCall and FullDuplexCall", echoInitialKey, echoTrailingKey)
	md := []hpackField{hf(echoInitialKey, echoInitialValue), hf(echoTrailingKey, base64.RawStdEncoding.EncodeToString([]byte(echoTrailingValue)))}
	for _, cl := range []struct {
		path string
		msg  proto.Message
	}{
		{unaryCallPath, simpleRequest(1, 1)},
		{duplexCallPath, &pb.StreamingOutputCallRequest{ResponseParameters: []*pb.ResponseParameters{{Size: 1}}}},
	} {
		a := read(call(c, t.requestHeaders(cl.path, md...), frame(0, marshal(cl.msg))))
		if !a.served() {
			return fail(want, cl.path+": "+a.String())
		}
		if a.r.TrailersOnly() || len(a.r.Blocks) < 2 {
			return fail(want, cl.path+": no Response-Headers")
		}
		if v, _ := rawh2.Field(a.r.Headers(), echoInitialKey); v != echoInitialValue {
			return fail(want, fmt.Sprintf("%s: Response-Headers %s: %q", cl.path, echoInitialKey, v))
		}
		v, ok := rawh2.Field(a.r.Trailers(), echoTrailingKey)
		b, err := decodeBinary(v)
		if !ok || err != nil || !bytes.Equal(b, []byte(echoTrailingValue)) {
			return fail(want, fmt.Sprintf("%s: Trailers %s: %q", cl.path, echoTrailingKey, v))
		}
	}
	return pass("")
}

func checkBinEmitUnpadded(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	want := fmt.Sprintf("%s: qw (0xab, un-padded) in the Trailers for qw== in the request", echoTrailingKey)
	a := read(call(c, t.requestHeaders(unaryCallPath, hf(echoTrailingKey, "qw==")), frame(0, marshal(simpleRequest(1, 1)))))
	if !a.served() {
		return fail(want, a.String())
	}
	v, _ := rawh2.Field(a.r.Trailers(), echoTrailingKey)
	if v != "qw" {
		return fail(want, fmt.Sprintf("%s: %q", echoTrailingKey, v))
	}
	return pass("")
}

func checkMaxReceiveSize(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	// A payload that makes the message the limit plus one byte: near 4 MiB
	// the length varints keep their size, so one correction suffices (a
	// few more are allowed).
	const target = defaultMaxRecv + 1
	req := simpleRequest(target, 1)
	for i := 0; i < 8; i++ {
		s := proto.Size(req)
		if s == target {
			break
		}
		req.Payload.Body = make([]byte, len(req.Payload.Body)+target-s)
	}
	msg := marshal(req)
	a := read(call(c, t.requestHeaders(unaryCallPath), frame(0, msg)))
	if a.is(wire.ResourceExhausted) {
		return pass("")
	}
	if a.served() {
		return skip("the server accepted a %d-byte message: its limit is above gRPC's default of 4 MiB", len(msg))
	}
	return fail(fmt.Sprintf("grpc-status 8 RESOURCE_EXHAUSTED for a %d-byte request, one byte over gRPC's default limit", len(msg)), a.String())
}
