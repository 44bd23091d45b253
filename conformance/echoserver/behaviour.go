// Package echoserver implements the Echo service of echopb twice, once on
// grpc-go (GRPCGo) and once on grpcwire (Wire), with the same behaviour, so
// that a test can point either library's client at either library's server
// and expect the same answers. What both implementations share that does not
// depend on a gRPC library lives in this file: payloads, sleeps, status
// details, the metadata echo rules and the Recorder.
package echoserver

import (
	"context"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"

	"grpcwire/conformance/echopb"
)

// The names the implementations put in EchoResponse.server, so that a test
// can check it really talks to the server it meant to.
const (
	NameGRPCGo   = "grpc-go"
	NameGRPCWire = "grpcwire"
)

// Request metadata whose key starts with EchoHeaderPrefix is sent back, key
// and values unchanged, in the response headers; with EchoTrailerPrefix, in
// the trailers. "-bin" keys keep their suffix, so binary values travel
// base64-encoded both ways and are compared decoded.
const (
	EchoHeaderPrefix  = "x-echo-header"
	EchoTrailerPrefix = "x-echo-trailer"
)

// DetailDomain is the domain of the google.rpc.ErrorInfo detail that both
// implementations attach when ResponseStatus.detail_reason is set.
const DetailDomain = "conformance.grpcwire"

// DetailLocale is the locale of the google.rpc.LocalizedMessage detail
// attached when ResponseStatus.localized_message is set.
const DetailLocale = "en-US"

// Compressor is the name of the one compressor both libraries register and
// the server uses when a request asks for compressed responses.
const Compressor = "gzip"

// maxSleep bounds a requested sleep, so that a test that forgets to end a
// call cannot keep a handler, and so the test binary, waiting for ever.
const maxSleep = 30 * time.Second

// Details returns the detail messages a status described by rs carries, in
// order: an ErrorInfo when detail_reason is set, then a LocalizedMessage
// when localized_message is set. Tests call it to build what they expect to
// decode on the client side.
func Details(rs *echopb.ResponseStatus) []proto.Message {
	var out []proto.Message
	if rs.GetDetailReason() != "" {
		out = append(out, &errdetails.ErrorInfo{
			Reason:   rs.GetDetailReason(),
			Domain:   DetailDomain,
			Metadata: rs.GetDetailMetadata(),
		})
	}
	if rs.GetLocalizedMessage() != "" {
		out = append(out, &errdetails.LocalizedMessage{Locale: DetailLocale, Message: rs.GetLocalizedMessage()})
	}
	return out
}

// wantsStatus reports whether req asks for a status other than OK.
func wantsStatus(req *echopb.EchoRequest) bool {
	return req.GetStatus().GetCode() != 0
}

// payload builds a response payload: response_size bytes of a repeating
// pattern when set, else a copy of the request's payload. The pattern
// compresses well, which the compression tests rely on.
func payload(req *echopb.EchoRequest) []byte {
	n := int(req.GetResponseSize())
	if n <= 0 {
		return req.GetPayload()
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%8)
	}
	return b
}

// bidiResponses is how many responses Bidi sends for req.
func bidiResponses(req *echopb.EchoRequest) int {
	return max(1, int(req.GetResponseCount()))
}

// sleep waits for the request's sleep_ms or until ctx ends, whichever comes
// first, and returns ctx.Err() in the second case.
func sleep(ctx context.Context, req *echopb.EchoRequest) error {
	d := min(time.Duration(req.GetSleepMs())*time.Millisecond, maxSleep)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deadlineLeft is the time left before ctx's deadline in milliseconds, or
// -1 without one.
func deadlineLeft(ctx context.Context) int64 {
	d, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	return time.Until(d).Milliseconds()
}

// splitEcho returns the keys of md to send back in the headers and in the
// trailers, as a function of each key; md is either library's metadata, both
// being map[string][]string with lower-case keys.
func splitEcho(md map[string][]string) (header, trailer map[string][]string) {
	for k, vs := range md {
		switch {
		case strings.HasPrefix(k, EchoHeaderPrefix):
			if header == nil {
				header = map[string][]string{}
			}
			header[k] = append([]string(nil), vs...)
		case strings.HasPrefix(k, EchoTrailerPrefix):
			if trailer == nil {
				trailer = map[string][]string{}
			}
			trailer[k] = append([]string(nil), vs...)
		}
	}
	return header, trailer
}

// tally counts the requests of a call and their payload bytes.
type tally struct {
	requests int32
	bytes    int64
}

func (t *tally) add(req *echopb.EchoRequest) {
	t.requests++
	t.bytes += int64(len(req.GetPayload()))
}

// response builds the index-th response of a call to req.
func response(server string, req *echopb.EchoRequest, index int, t tally, left int64) *echopb.EchoResponse {
	return &echopb.EchoResponse{
		Payload:        payload(req),
		Index:          int32(index),
		Requests:       t.requests,
		RequestBytes:   t.bytes,
		DeadlineLeftMs: left,
		Server:         server,
	}
}
