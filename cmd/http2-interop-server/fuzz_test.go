package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sort"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	pb "grpcwire/interop/grpc_testing"
)

// FuzzParseRequest: any bytes either parse as one whole
// Length-Prefixed-Message holding a SimpleRequest with a response_size in
// bounds, or are refused; never a panic.
func FuzzParseRequest(f *testing.F) {
	msg, _ := proto.Marshal(&pb.SimpleRequest{ResponseSize: 314159, Payload: &pb.Payload{Body: make([]byte, 10)}})
	framed := append([]byte{0, 0, 0, 0, 0}, msg...)
	binary.BigEndian.PutUint32(framed[1:5], uint32(len(msg)))
	f.Add(framed)
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 3, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := parseRequest(b)
		if err != nil {
			return
		}
		if n := req.GetResponseSize(); n < 0 || n > maxRequest {
			t.Fatalf("response_size %d accepted", n)
		}
		if b[0] != 0 || uint64(len(b)) != 5+uint64(binary.BigEndian.Uint32(b[1:5])) {
			t.Fatalf("% x accepted", b)
		}
	})
}

// clientConn is a net.Conn reading a client's scripted bytes and discarding
// what the server writes.
type clientConn struct{ r io.Reader }

func (c clientConn) Read(p []byte) (int, error)     { return c.r.Read(p) }
func (clientConn) Write(p []byte) (int, error)      { return len(p), nil }
func (clientConn) Close() error                     { return nil }
func (clientConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (clientConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (clientConn) SetDeadline(time.Time) error      { return nil }
func (clientConn) SetReadDeadline(time.Time) error  { return nil }
func (clientConn) SetWriteDeadline(time.Time) error { return nil }

// clientSeed is a client's side of a call: preface, SETTINGS, a UnaryCall,
// a PING, window updates, its ACKs, then the end.
func clientSeed() []byte {
	var buf bytes.Buffer
	buf.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&buf, nil)
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 100})
	fr.WriteSettingsAck()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, kv := range [][2]string{{":method", "POST"}, {":path", "/grpc.testing.TestService/UnaryCall"}, {"content-type", "application/grpc"}} {
		enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndHeaders: true})
	msg, _ := proto.Marshal(&pb.SimpleRequest{ResponseSize: 50000, Payload: &pb.Payload{Body: make([]byte, 10)}})
	framed := append([]byte{0, 0, 0, 0, 0}, msg...)
	binary.BigEndian.PutUint32(framed[1:5], uint32(len(msg)))
	fr.WriteData(1, false, framed[:3])
	fr.WriteData(1, true, framed[3:])
	fr.WritePing(false, [8]byte{1})
	fr.WritePing(true, [8]byte{})
	fr.WriteWindowUpdate(0, 1<<20)
	fr.WriteWindowUpdate(1, 1<<20)
	fr.WriteRSTStream(1, http2.ErrCodeCancel)
	fr.WriteGoAway(1, http2.ErrCodeNo, nil)
	return buf.Bytes()
}

// FuzzConn feeds every case's connection arbitrary client bytes after the
// preface: the connection plays its case and ends at the end of the
// bytes, never panicking or looping; the first byte picks the case.
func FuzzConn(f *testing.F) {
	seed := clientSeed()[len(http2.ClientPreface):]
	for i := range len(cases) {
		f.Add(byte(i), seed)
	}
	f.Add(byte(0), []byte{})
	names := caseNames()
	sort.Strings(names)
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		tc := cases[names[int(which)%len(names)]]
		s := newServer(tc, io.Discard)
		in := io.MultiReader(bytes.NewReader([]byte(http2.ClientPreface)), bytes.NewReader(data))
		c := newConn(s, 1, clientConn{in})
		c.serve()
	})
}
