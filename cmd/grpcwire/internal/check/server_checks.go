package check

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/cmd/grpcwire/internal/rawh2"
	"grpcwire/wire"
)

// The checks that need nothing of the server but gRPC itself, or one
// method it serves (the probe).

// The paths the checks call that no server has.
const (
	noSuchService = "/grpcwire.check.NoSuchService/NoSuchMethod"
	noSuchMethod  = "GrpcwireCheckNoSuchMethod"
)

// Bounds of the checks that wait for something the server should send at
// once; generous, because a loaded machine delays everything.
const (
	// rstWait bounds the wait for the RST_STREAM that should follow early
	// trailers "immediately".
	rstWait = 3 * time.Second
)

// anyPath is a method to address requests the server should refuse before
// looking at the method: the probe when there is one, else TestService's
// EmptyCall; with the probe's request.
func (t *T) anyPath() (string, []byte) {
	if p := t.env.Probe; p != nil {
		return p.Path, frame(0, p.Request)
	}
	return emptyCallPath, frame(0, nil)
}

func checkUnimplementedService(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	return expectCode(read(call(c, t.requestHeaders(noSuchService), frame(0, nil))), wire.Unimplemented, "the service does not exist")
}

func checkUnimplementedMethod(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path := "/" + t.env.Service + "/" + noSuchMethod
	return expectCode(read(call(c, t.requestHeaders(path), frame(0, nil))), wire.Unimplemented, path+" does not exist")
}

func checkTrailersOnly(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	a := read(call(c, t.requestHeaders(noSuchService), frame(0, nil)))
	want := "the immediate error (UNIMPLEMENTED) as Trailers-Only: one HEADERS frame with END_STREAM holding :status 200, content-type application/grpc and grpc-status"
	if !a.r.TrailersOnly() {
		return fail(want, describeFrames(a.r))
	}
	h := a.r.Headers()
	var missing []string
	if a.HTTPStatus != "200" {
		missing = append(missing, ":status 200 (got "+a.HTTPStatus+")")
	}
	if ct, ok := rawh2.Field(h, "content-type"); !ok || !strings.HasPrefix(ct, "application/grpc") {
		missing = append(missing, "content-type application/grpc")
	}
	if !a.HasStatus {
		missing = append(missing, "grpc-status")
	}
	if len(missing) > 0 {
		return fail(want, "a Trailers-Only block without "+strings.Join(missing, ", "))
	}
	return pass("")
}

// describeFrames lists the frames of a response in a few words.
func describeFrames(r *rawh2.Response) string {
	if len(r.Frames) == 0 {
		if r.Err != nil {
			return "no frames: " + r.Err.Error()
		}
		return "no frames"
	}
	var parts []string
	for _, f := range r.Frames {
		s := f.Type.String()
		if f.EndStream() {
			s += "+END_STREAM"
		}
		if f.Type == http2.FrameRSTStream {
			s += " " + f.ErrCode.String()
		}
		parts = append(parts, s)
	}
	out := strings.Join(parts, ", ")
	if r.Err != nil {
		out += ", then " + r.Err.Error()
	}
	return out
}

func checkRSTAfterEarlyTrailers(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, t.requestHeaders(noSuchService), false); err != nil {
		return fail("an answer", err.Error())
	}
	want := "Trailers (here Trailers-Only UNIMPLEMENTED) before the client's END_STREAM, then RST_STREAM NO_ERROR"
	r := c.ReadResponse(id)
	if !r.Ended {
		return fail(want, describeFrames(r))
	}
	f, err := c.NextOnWithin(id, rstWait)
	switch {
	case err == rawh2.ErrTimeout:
		return fail(want, fmt.Sprintf("the trailers, then no RST_STREAM within %v", rstWait))
	case err != nil:
		return fail(want, "the trailers, then "+err.Error())
	case f.Type == http2.FrameGoAway:
		return fail(want, "the trailers, then "+f.String())
	case f.Type != http2.FrameRSTStream:
		return fail(want, "the trailers, then "+f.String())
	case f.ErrCode != http2.ErrCodeNo:
		return fail(want, "the trailers, then RST_STREAM "+f.ErrCode.String())
	}
	return pass("")
}

func checkMethodNotPost(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, _ := t.anyPath()
	h := replace(t.requestHeaders(path), ":method", "GET")
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, h, true); err != nil {
		return fail("HTTP 405", err.Error())
	}
	a := read(c.ReadResponse(id))
	if a.HTTPStatus == "405" {
		return pass("")
	}
	return fail("HTTP 405 (Method Not Allowed) for :method GET", a.String())
}

func checkContentTypeNotGRPC(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, body := t.anyPath()
	for _, ct := range []string{"application/json", ""} {
		h := without(t.requestHeaders(path), "content-type")
		what := "no content-type"
		if ct != "" {
			h = replace(h, "content-type", ct)
			what = "content-type " + ct
		}
		a := read(call(c, h, body))
		if a.HTTPStatus != "415" {
			return fail("HTTP 415 (Unsupported Media Type) for "+what, a.String())
		}
	}
	return pass("")
}

func checkContentTypeProto(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	h := replace(t.requestHeaders(t.env.Probe.Path), "content-type", "application/grpc+proto")
	a := read(call(c, h, t.env.probeBody()))
	if a.served() {
		return pass("")
	}
	return fail("the call served (HTTP 200, grpc-status 0) with content-type application/grpc+proto", a.String())
}

func checkTEMissing(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	a := read(call(c, without(t.requestHeaders(t.env.Probe.Path), "te"), t.env.probeBody()))
	switch {
	case a.served():
		return pass("served the call")
	case a.HasStatus && a.CodeOK && a.r.Ended:
		return pass("refused the call with grpc-status %d %v", a.Code, a.Code)
	}
	return fail("a gRPC answer (the call served, or refused with a grpc-status)", a.String())
}

// expectMalformed judges the answer to a malformed request (RFC 9113
// §8.1.1): "Malformed requests or responses that are detected MUST be
// treated as a stream error (Section 5.4.2) of type PROTOCOL_ERROR", and
// "For malformed requests, a server MAY send an HTTP response prior to
// closing or resetting the stream". A RST_STREAM PROTOCOL_ERROR passes, as
// does an HTTP 4xx response that ends the stream; so does a GOAWAY
// PROTOCOL_ERROR (a connection error is stricter than the stream error the
// RFC asks for, and h2spec accepts it too).
//
// The request is otherwise a good call (of the probe method, when there is
// one), so that a server that does not see the fault serves it: the "got"
// then says so.
func expectMalformed(c *rawh2.Conn, headers []hpack.HeaderField, body []byte, what string) Outcome {
	want := "RST_STREAM PROTOCOL_ERROR (or an HTTP 4xx response) for a request with " + what
	r := call(c, headers, body)
	a := read(r)
	switch {
	case a.served():
		return fail(want, "the call served: the server did not treat the request as malformed")
	case r.Reset && r.ResetCode == http2.ErrCodeProtocol:
		return pass("")
	case r.Ended && strings.HasPrefix(a.HTTPStatus, "4"):
		return pass("HTTP %s", a.HTTPStatus)
	case r.Err != nil && c.GoAway != nil && c.GoAway.ErrCode == http2.ErrCodeProtocol:
		return pass("a connection error: %v", c.GoAway)
	}
	return fail(want, a.String())
}

func checkTENotTrailers(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, body := t.anyPath()
	return expectMalformed(c, replace(t.requestHeaders(path), "te", "trailers, deflate"), body, "te: trailers, deflate")
}

func checkPseudoAfterRegular(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, body := t.anyPath()
	h := t.requestHeaders(path)
	authority, _ := rawh2.Field(h, ":authority")
	h = append(without(h, ":authority"), hf(":authority", authority))
	return expectMalformed(c, h, body, ":authority after the regular header fields")
}

func checkUnknownPseudo(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, body := t.anyPath()
	h := afterPseudo(t.requestHeaders(path), hf(":grpcwire-check", "1"))
	return expectMalformed(c, h, body, "the undefined pseudo-header :grpcwire-check")
}

func checkConnectionHeader(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, body := t.anyPath()
	return expectMalformed(c, t.requestHeaders(path, hf("connection", "keep-alive")), body, "connection: keep-alive")
}

func checkUppercaseHeader(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	path, body := t.anyPath()
	return expectMalformed(c, t.requestHeaders(path, hf("Grpcwire-Check", "1")), body, "the field name Grpcwire-Check")
}

// malformedTimeouts are grpc-timeout values outside the grammar:
// "TimeoutValue → {positive integer as ASCII string of at most 8 digits}",
// "TimeoutUnit → Hour / Minute / Second / Millisecond / Microsecond /
// Nanosecond".
var malformedTimeouts = []string{"1x", "123456789S", "-1S", "S", "1.5S", "1 S"}

func checkTimeoutMalformed(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	var notes []string
	for _, v := range malformedTimeouts {
		h := afterPseudo(t.requestHeaders(t.env.Probe.Path), hf("grpc-timeout", v))
		a := read(call(c, h, t.env.probeBody()))
		want := fmt.Sprintf("grpc-timeout %q refused with a grpc-status (grpc-go: INTERNAL) or ignored (the call served with no deadline)", v)
		switch {
		case a.served():
			notes = append(notes, fmt.Sprintf("%q served", v))
		case a.is(wire.DeadlineExceeded):
			return fail(want, a.String()+": the value was read as a deadline")
		case a.HasStatus && a.CodeOK && a.r.Ended:
			notes = append(notes, fmt.Sprintf("%q %v", v, a.Code))
		default:
			return fail(want, a.String())
		}
	}
	return pass("%s", strings.Join(notes, ", "))
}

func checkTimeoutMax(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	h := afterPseudo(t.requestHeaders(t.env.Probe.Path), hf("grpc-timeout", "99999999H"))
	a := read(call(c, h, t.env.probeBody()))
	if a.served() {
		return pass("")
	}
	return fail("the call served: grpc-timeout 99999999H (the largest value, about 11,400 years) is a valid deadline far away", a.String())
}

func checkBinAcceptPadded(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	for _, v := range []string{"qw==", "qw", "q6ur", "AAEC/w=="} {
		a := read(call(c, t.requestHeaders(t.env.Probe.Path, hf("grpcwire-check-bin", v)), t.env.probeBody()))
		if !a.served() {
			return fail(fmt.Sprintf("the call served with grpcwire-check-bin: %s", v), a.String())
		}
	}
	return pass("")
}

func checkReservedGRPCHeader(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	a := read(call(c, t.requestHeaders(t.env.Probe.Path, hf("grpc-grpcwire-check", "1")), t.env.probeBody()))
	if a.served() {
		return pass("")
	}
	return fail("the call served: a grpc- header the server does not know is not a reason to refuse it", a.String())
}

func checkCompressedFlagNoEncoding(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	return expectCode(read(call(c, t.requestHeaders(t.env.Probe.Path), frame(1, t.env.Probe.Request))),
		wire.Internal, "Compressed-Flag 1 without grpc-encoding")
}

// unknownEncoding is a content-coding no server knows.
const unknownEncoding = "grpcwire-check-unknown"

func checkUnknownEncoding(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	h := t.requestHeaders(t.env.Probe.Path, hf("grpc-encoding", unknownEncoding))
	a := read(call(c, h, frame(1, t.env.Probe.Request)))
	want := "grpc-status 12 UNIMPLEMENTED with grpc-accept-encoding, which must not list " + unknownEncoding
	if !a.is(wire.Unimplemented) {
		return fail(want, a.String())
	}
	var accept string
	found := false
	for _, b := range a.r.Blocks {
		if v, ok := rawh2.Field(b, "grpc-accept-encoding"); ok {
			accept, found = v, true
		}
	}
	if !found {
		return fail(want, "UNIMPLEMENTED without grpc-accept-encoding")
	}
	for _, e := range strings.Split(accept, ",") {
		if strings.TrimSpace(e) == unknownEncoding {
			return fail(want, "grpc-accept-encoding: "+accept)
		}
	}
	return pass("grpc-accept-encoding: %s", accept)
}

func checkTruncatedMessage(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	req := t.env.Probe.Request
	body := frame(0, append(append([]byte(nil), req...), make([]byte, 10)...))
	body = body[:len(body)-7] // 3 of the 10 extra bytes sent, then EOS
	a := read(call(c, t.requestHeaders(t.env.Probe.Path), body))
	if a.is(wire.Internal) {
		return pass("")
	}
	if a.r.Reset {
		return pass("RST_STREAM %v", a.r.ResetCode)
	}
	return fail("grpc-status 13 INTERNAL (or RST_STREAM) for a message cut short by END_STREAM", a.String())
}

func checkLength4GiB(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, t.requestHeaders(t.env.Probe.Path), false); err != nil {
		return fail("an answer", err.Error())
	}
	prefix := []byte{0, 0xff, 0xff, 0xff, 0xff}
	if err := c.WriteDataFrame(id, append(prefix, make([]byte, 16)...), false); err != nil {
		return fail("an answer", err.Error())
	}
	a := read(c.ReadResponse(id))
	if a.is(wire.ResourceExhausted) {
		return pass("")
	}
	return fail("grpc-status 8 RESOURCE_EXHAUSTED at once for a message prefix claiming 4 GiB - 1 bytes (16 sent, no END_STREAM)", a.String())
}

func checkClientRST(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	id := c.NewStreamID()
	want := "no RST_STREAM in answer to the client's RST_STREAM CANCEL, and the connection serving the next call"
	if err := c.WriteHeaders(id, t.requestHeaders(t.env.Probe.Path), false); err != nil {
		return fail(want, err.Error())
	}
	if err := c.WriteRSTStream(id, http2.ErrCodeCancel); err != nil {
		return fail(want, err.Error())
	}
	conn, err := c.Ping([8]byte{'g', 'r', 'p', 'c', 'w', 'i', 'r', 'e'})
	if err != nil {
		return fail(want, err.Error())
	}
	for _, f := range append(c.Pending(id), conn...) {
		if f.Type == http2.FrameRSTStream && f.StreamID == id {
			return fail(want, "RST_STREAM "+f.ErrCode.String()+" on the reset stream")
		}
		if f.Type == http2.FrameGoAway {
			return fail(want, f.String())
		}
	}
	a := read(call(c, t.requestHeaders(t.env.Probe.Path), t.env.probeBody()))
	if !a.served() {
		return fail(want, "the next call: "+a.String())
	}
	return pass("")
}

func checkPing(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	data := [8]byte{0x67, 0x72, 0x70, 0x63, 0x00, 0xff, 0x01, 0x80}
	if _, err := c.Ping(data); err != nil {
		return fail("a PING with ACK carrying the same 8 bytes", err.Error())
	}
	return pass("")
}

func checkOKStatusInTrailers(t *T) Outcome {
	c, o := t.dial()
	if o != nil {
		return *o
	}
	a := read(call(c, t.requestHeaders(t.env.Probe.Path), t.env.probeBody()))
	r := a.r
	want := "Response-Headers (:status 200, content-type application/grpc), the message, then Trailers with END_STREAM and grpc-status 0"
	switch {
	case r.Reset || r.Err != nil || !r.Ended:
		return fail(want, a.String())
	case r.TrailersOnly():
		return fail(want, "Trailers-Only ("+a.String()+"): an OK answer with a message has Response-Headers and Trailers")
	case len(r.Blocks) != 2:
		return fail(want, fmt.Sprintf("%d header blocks: %s", len(r.Blocks), describeFrames(r)))
	case a.HTTPStatus != "200" || !strings.HasPrefix(a.ContentType, "application/grpc"):
		return fail(want, fmt.Sprintf("Response-Headers with :status %q, content-type %q", a.HTTPStatus, a.ContentType))
	case !a.HasStatus:
		return fail(want, "Trailers without grpc-status")
	case a.StatusRaw != "0":
		return fail(want, fmt.Sprintf("grpc-status %q", a.StatusRaw))
	}
	return pass("")
}
