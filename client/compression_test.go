package client_test

import (
	"context"
	"encoding/binary"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/observe"
	"grpcwire/server"
	"grpcwire/wire"
)

// wireLog is a frame observer that keeps, per direction, the HEADERS fields
// and the DATA bytes of every stream, so that a test of an end-to-end call
// can also check what went over the wire.
type wireLog struct {
	mu      sync.Mutex
	headers map[bool][][]string        // by Sent: each block's "name: value" lines
	data    map[bool]map[uint32][]byte // by Sent, then stream id
}

func newWireLog() *wireLog {
	return &wireLog{headers: map[bool][][]string{}, data: map[bool]map[uint32][]byte{true: {}, false: {}}}
}

// observer is for client.WithFrameObserver.
func (l *wireLog) observer(client.ConnInfo) observe.Observer { return l }

func (l *wireLog) ObserveFrame(ev *observe.FrameEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev.Header.Type {
	case http2.FrameHeaders:
		var block []string
		for _, f := range ev.Fields {
			block = append(block, f.Name+": "+f.Value)
		}
		l.headers[ev.Sent] = append(l.headers[ev.Sent], block)
	case http2.FrameData:
		id := ev.Header.StreamID
		l.data[ev.Sent][id] = append(l.data[ev.Sent][id], ev.Data...)
	}
}

// hasHeader reports whether a block sent (or received) has the field.
func (l *wireLog) hasHeader(sent bool, field string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, block := range l.headers[sent] {
		for _, f := range block {
			if f == field {
				return true
			}
		}
	}
	return false
}

// flags returns the Compressed-Flag of every message sent (or received),
// stream by stream in the order of their ids.
func (l *wireLog) flags(sent bool) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var flags []byte
	for _, id := range slices.Sorted(maps.Keys(l.data[sent])) {
		b := l.data[sent][id]
		for len(b) >= 5 {
			n := binary.BigEndian.Uint32(b[1:5])
			flags = append(flags, b[0])
			if uint64(len(b)) < 5+uint64(n) {
				break
			}
			b = b[5+n:]
		}
	}
	return flags
}

// bytes counts the DATA bytes sent (or received) on all streams.
func (l *wireLog) bytes(sent bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for _, b := range l.data[sent] {
		total += len(b)
	}
	return total
}

func allEqual(b []byte, v byte) bool {
	for _, x := range b {
		if x != v {
			return false
		}
	}
	return len(b) > 0
}

// TestGzipBothWays: with UseCompressor("gzip") the request says
// grpc-encoding gzip and its messages carry Compressed-Flag 1; the server
// answers in the same encoding; the messages arrive intact.
func TestGzipBothWays(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	log := newWireLog()
	cc := start(t, nil, client.WithFrameObserver(log.observer))
	ctx := context.Background()
	big := strings.Repeat("compressible ", 10000)

	if got, err := echo(ctx, cc, big, client.UseCompressor("gzip")); err != nil || got != big {
		t.Fatalf("unary: got %d bytes, %v; want the %d sent", len(got), err, len(big))
	}
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath, client.UseCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := bs.Send(wrapperspb.String(big[i:])); err != nil {
			t.Fatal(err)
		}
		m, err := bs.Recv()
		if err != nil || m.Value != big[i:] {
			t.Fatalf("bidi message %d: %v", i, err)
		}
	}
	bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("bidi end: %v", err)
	}

	if !log.hasHeader(true, "grpc-encoding: gzip") {
		t.Error("no request carried grpc-encoding: gzip")
	}
	if !log.hasHeader(false, "grpc-encoding: gzip") {
		t.Error("no response carried grpc-encoding: gzip")
	}
	if f := log.flags(true); len(f) != 4 || !allEqual(f, 1) {
		t.Errorf("request messages' Compressed-Flags = %v, want four 1s", f)
	}
	if f := log.flags(false); len(f) != 4 || !allEqual(f, 1) {
		t.Errorf("response messages' Compressed-Flags = %v, want four 1s", f)
	}
	if total := log.bytes(true); total > len(big) {
		t.Errorf("requests took %d bytes on the wire for %d bytes of messages: not compressed", total, 4*len(big))
	}
}

// TestServerCompressesOnItsOwn: a handler may compress its response with an
// encoding the client accepts although the request was not compressed.
func TestServerCompressesOnItsOwn(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	log := newWireLog()
	cc := start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if err := server.SetSendCompressor(ctx, "gzip"); err != nil {
				return nil, err
			}
			return in, nil
		},
	}, client.WithFrameObserver(log.observer))
	big := strings.Repeat("z", 50000)
	if got, err := echo(context.Background(), cc, big); err != nil || got != big {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	if log.hasHeader(true, "grpc-encoding: gzip") || !allEqual(log.flags(true), 0) {
		t.Error("the request was compressed")
	}
	if !log.hasHeader(false, "grpc-encoding: gzip") || !allEqual(log.flags(false), 1) {
		t.Errorf("the response was not compressed: flags %v", log.flags(false))
	}
}

// TestUnknownCompressor: a compressor that is not registered fails the call
// before anything is sent.
func TestUnknownCompressor(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, nil)
	_, err := echo(context.Background(), cc, "x", client.UseCompressor("zstd-not-registered"))
	wantStatus(t, err, wire.Internal, "zstd-not-registered")
}

// TestDefaultCallOptions: options given to Dial with WithDefaultCallOptions
// apply to every call, before the call's own.
func TestDefaultCallOptions(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	log := newWireLog()
	cc := start(t, nil, client.WithFrameObserver(log.observer),
		client.WithDefaultCallOptions(client.UseCompressor("gzip"), client.WithMetadata(wire.NewMetadata("mirror-default", "1"))))
	var header wire.Metadata
	if _, err := echo(context.Background(), cc, strings.Repeat("d", 1000), client.Header(&header)); err != nil {
		t.Fatal(err)
	}
	if !log.hasHeader(true, "grpc-encoding: gzip") || !allEqual(log.flags(true), 1) {
		t.Error("the default UseCompressor did not compress the request")
	}
	if header.Get("mirror-default") == nil {
		t.Error("the default metadata did not reach the server")
	}
	// The call's own option comes after, and wins.
	if _, err := echo(context.Background(), cc, "x", client.UseCompressor("identity")); err != nil {
		t.Fatal(err)
	}
	if f := log.flags(true); len(f) != 2 || f[1] != 0 {
		t.Errorf("a call's UseCompressor(identity) did not override the default: flags %v", f)
	}
}
