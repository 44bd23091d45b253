package server_test

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// prefixOnly is a Length-Prefixed-Message prefix declaring n bytes, without
// the bytes.
func prefixOnly(n uint32) []byte {
	b := make([]byte, 5)
	binary.BigEndian.PutUint32(b[1:], n)
	return b
}

// TestMaxRecvSizeCheckedOnDeclaredLength pins the receive limit: a message
// whose prefix declares more than the limit fails the call with
// RESOURCE_EXHAUSTED naming the size and the limit, as soon as the prefix
// has arrived. The status names no Go API (the client may be Python or
// grpc-js); the server's log names the option that raises the limit. The client sends only the five prefix bytes of
// a 100 MiB message and never half-closes, so a server that waited for the
// body, or allocated it, would hang or show it in its allocations.
func TestMaxRecvSizeCheckedOnDeclaredLength(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	tests := []struct {
		name  string
		opts  []server.Option
		limit int
		path  string
	}{
		{"default limit, unary", nil, wire.DefaultMaxRecvMsgSize, testsvc.EchoPath},
		{"default limit, bidi", nil, wire.DefaultMaxRecvMsgSize, testsvc.ChatPath},
		{"MaxRecvMsgSize(1024)", []server.Option{server.MaxRecvMsgSize(1024)}, 1024, testsvc.EchoPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			log := &testio.Buffer{}
			p := rawConn(t, nil, append(tt.opts, server.Logger(log.Logger()))...)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			p.WriteGRPCRequestHeaders(1, tt.path, false)
			p.WriteData(1, false, prefixOnly(100<<20))
			msg := checkTrailersOnly(t, p.ExpectHeaders(1, true), wire.ResourceExhausted)
			runtime.ReadMemStats(&after)
			for _, want := range []string{fmt.Sprint(100 << 20), fmt.Sprint(tt.limit), "request message", "the server's max receive size"} {
				if !strings.Contains(msg, want) {
					t.Errorf("grpc-message %q does not name %q", msg, want)
				}
			}
			if strings.Contains(msg, "server.") {
				t.Errorf("grpc-message %q names a Go API, which the client cannot act on", msg)
			}
			log.WaitFor(t, "server.MaxRecvMsgSize raises it", "method="+tt.path, "length=104857600", fmt.Sprintf("limit=%d", tt.limit))
			p.ExpectRST(1, http2.ErrCodeNo)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("the server allocated %d MiB while refusing a message declared at 100 MiB", grew>>20)
			}
		})
	}
}

// TestMaxSendSizeStatusAndLog: a response over the server's max send size
// fails the call with RESOURCE_EXHAUSTED naming the size and the limit but
// no Go API, and the server's log names the option that raises it.
func TestMaxSendSizeStatusAndLog(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	log := &testio.Buffer{}
	p := rawConn(t, nil, server.MaxSendMsgSize(10), server.Logger(log.Logger()))
	req := testsvc.Marshal(t, wrapperspb.String(strings.Repeat("a", 20)))
	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false)
	p.WriteGRPCMessage(1, true, false, req)
	msg := checkTrailersOnly(t, p.ExpectHeaders(1, true), wire.ResourceExhausted)
	want := fmt.Sprintf("grpcwire: the response message of %d bytes exceeds the server's max send size of 10 bytes", len(req))
	if msg != want {
		t.Errorf("grpc-message %q, want %q", msg, want)
	}
	log.WaitFor(t, "level=WARN", "server.MaxSendMsgSize raises it", "method="+testsvc.EchoPath, fmt.Sprintf("length=%d", len(req)), "limit=10")
}

// TestMaxRecvSizeAllowsMessageAtTheLimit: the limit is inclusive, and a
// message over it later in a stream fails the call then.
func TestMaxRecvSizeAllowsMessageAtTheLimit(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	atLimit := testsvc.Marshal(t, wrapperspb.String(strings.Repeat("a", 100)))
	p := rawConn(t, nil, server.MaxRecvMsgSize(len(atLimit)))
	p.WriteGRPCRequestHeaders(1, testsvc.ChatPath, false)
	p.WriteGRPCMessage(1, false, false, atLimit)
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)
	p.WriteGRPCMessage(1, false, false, append(atLimit, 0))
	tr := p.ExpectGRPCStatus(1, int(wire.ResourceExhausted))
	if msg := wire.DecodeMessage(tr.Get("grpc-message")); !strings.Contains(msg, fmt.Sprint(len(atLimit))) {
		t.Errorf("grpc-message %q does not name the limit %d", msg, len(atLimit))
	}
	p.ExpectRST(1, http2.ErrCodeNo)
}
