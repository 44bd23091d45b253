package trace_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	"grpcwire/framing"
	"grpcwire/observe"
	"grpcwire/trace"
)

// connLine is the first line of every trace taken by traceOf.
const connLine = "c1 connection: client 127.0.0.1:40000, server 127.0.0.1:50051, traced at the client\n"

// traceOf returns the trace, without times, of events observed in order on
// one connection traced at side.
func traceOf(t *testing.T, side trace.Side, opts []trace.Option, events ...*observe.FrameEvent) string {
	t.Helper()
	var buf bytes.Buffer
	local, remote := "127.0.0.1:40000", "127.0.0.1:50051"
	if side == trace.Server {
		local, remote = remote, local
	}
	c := trace.New(&buf, append([]trace.Option{trace.OmitTimes()}, opts...)...).Conn(side, local, remote, time.Now())
	for _, ev := range events {
		c.ObserveFrame(ev)
	}
	return buf.String()
}

// frames returns a trace taken at the client without its connection line.
func frames(t *testing.T, opts []trace.Option, events ...*observe.FrameEvent) string {
	t.Helper()
	out := traceOf(t, trace.Client, opts, events...)
	rest, ok := strings.CutPrefix(out, connLine)
	if !ok {
		t.Fatalf("trace does not start with the connection line %q:\n%s", connLine, out)
	}
	return rest
}

func header(typ http2.FrameType, flags http2.Flags, id, length uint32) http2.FrameHeader {
	return http2.FrameHeader{Type: typ, Flags: flags, StreamID: id, Length: length}
}

// fields builds header fields from name, value pairs.
func fields(kv ...string) []hpack.HeaderField {
	var f []hpack.HeaderField
	for i := 0; i+1 < len(kv); i += 2 {
		f = append(f, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return f
}

// headersEv is a HEADERS frame with the given fields; its length is made up,
// as the trace prints it but never checks it.
func headersEv(sent bool, id uint32, flags http2.Flags, kv ...string) *observe.FrameEvent {
	return &observe.FrameEvent{Sent: sent, Header: header(http2.FrameHeaders, flags|http2.FlagHeadersEndHeaders, id, 10), Fields: fields(kv...)}
}

// requestHeaders is a client's Request-Headers for method, written (sent
// true) as the client sees it.
func requestHeaders(sent bool, id uint32, method string, extra ...string) *observe.FrameEvent {
	return headersEv(sent, id, 0, append([]string{":method", "POST", ":path", method, "content-type", "application/grpc"}, extra...)...)
}

func dataEv(sent bool, id uint32, end bool, payload []byte) *observe.FrameEvent {
	var fl http2.Flags
	if end {
		fl = http2.FlagDataEndStream
	}
	return &observe.FrameEvent{Sent: sent, Header: header(http2.FrameData, fl, id, uint32(len(payload))), Data: payload}
}

// lpm frames msg as a Length-Prefixed-Message with the given flag.
func lpm(t testing.TB, flag byte, msg []byte) []byte {
	t.Helper()
	return append(framing.Prefix{Flag: flag, Length: uint32(len(msg))}.Append(nil), msg...)
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
