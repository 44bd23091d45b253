package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// fuzzBodyMax bounds the request body a fuzz input sends: one DATA frame of
// the default SETTINGS_MAX_FRAME_SIZE.
const fuzzBodyMax = 16384

// headerName makes s a valid lowercase HTTP/2 field name, or "" if nothing
// of it is left, so that the fuzzer spends its time on gRPC's handling of
// fields rather than on HTTP/2's well-known rejection of bad names.
func headerName(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// FuzzRequest sends the real server requests with fuzzed :path,
// content-type, grpc-timeout, grpc-encoding, one metadata field and a body,
// and checks the answer's shape: every request ends, within the timeout,
// with either a reset, a plain HTTP answer (a non-200 :status and a body) or
// a gRPC response whose last HEADERS frame ends the stream with a numeric
// grpc-status; and the connection still answers a PING afterwards. The
// server must not panic, hang or close the connection over anything a
// request carries.
func FuzzRequest(f *testing.F) {
	h2test.VerifyNoLeaks(f)
	echoReq := string(h2test.LengthPrefixed(false, testsvc.Marshal(f, wrapperspb.String("x"))))
	f.Add(testsvc.EchoPath, "application/grpc", "", "", "x-key", "v", []byte(echoReq))
	f.Add(testsvc.ChatPath, "application/grpc+proto", "1S", "gzip", "x-bin", "AAH+", []byte(echoReq+echoReq))
	f.Add(testsvc.CountPath, "application/grpc", "100m", "identity", "", "", []byte("\x00\x00\x00\x00\x02\x08\x05"))
	f.Add(testsvc.CollectPath, "text/html", "", "", "", "", []byte{})
	f.Add("/no.Such/Method", "application/grpc", "1n", "br", "x-bin", "!!!", []byte("\x01\x00\x00\x00\x00"))
	f.Add(testsvc.EchoPath, "application/grpc", "123456789S", "", "grpc-status", "0", []byte("\x00\x7f\xff\xff\xff"))
	f.Add(testsvc.BulkPath, "application/grpc", "", "gzip", "te", "gzip", []byte("\x01\x00\x00\x00\x03abc"))

	svc := &testsvc.Service{
		// Count is told how many to send: keep it from streaming forever.
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			for i := range min(in.GetValue(), 4) {
				if err := st.Send(wrapperspb.Int32(i)); err != nil {
					return err
				}
			}
			return nil
		},
	}
	// In-memory connections: a fuzzer's hundreds of thousands of loopback
	// TCP connections would exhaust the ephemeral ports.
	srv := server.New()
	srv.Register(svc.Desc())
	ln := testsvc.NewPipeListener()
	testsvc.ServeListener(f, srv, ln)

	f.Fuzz(func(t *testing.T, path, contentType, timeout, encoding, key, value string, body []byte) {
		if len(body) > fuzzBodyMax {
			body = body[:fuzzBodyMax]
		}
		nc, err := ln.Dial(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		p := h2test.NewClient(t, nc)
		p.SetTimeout(2 * time.Second)
		p.Handshake()
		fields := []string{":method", "POST", ":scheme", "http", ":path", path, ":authority", "localhost", "te", "trailers"}
		if contentType != "" {
			fields = append(fields, "content-type", contentType)
		}
		if timeout != "" {
			fields = append(fields, "grpc-timeout", timeout)
		}
		if encoding != "" {
			fields = append(fields, "grpc-encoding", encoding)
		}
		if key = headerName(key); key != "" {
			fields = append(fields, key, value)
		}
		p.WriteHeaders(1, len(body) == 0, fields...)
		if len(body) > 0 {
			p.WriteData(1, true, body)
		}
		checkAnswer(t, p, 1)
		p.Settle(1, http2.ErrCodeNo)
	})
}

// checkAnswer reads the server's answer on stream id up to its end and
// checks its shape (see FuzzRequest).
func checkAnswer(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	httpStatus := ""
	for {
		switch f := p.ReadFrame().(type) {
		case *http2.RSTStreamFrame:
			if f.StreamID != id {
				t.Fatalf("RST_STREAM on stream %d, want %d\n%s", f.StreamID, id, p.FrameLog())
			}
			return
		case *h2test.Headers:
			if f.StreamID != id {
				t.Fatalf("HEADERS on stream %d, want %d\n%s", f.StreamID, id, p.FrameLog())
			}
			if httpStatus == "" {
				httpStatus = f.Get(":status")
				if len(httpStatus) != 3 {
					t.Fatalf("response without a valid :status: %v\n%s", f, p.FrameLog())
				}
			} else if f.Has(":status") {
				t.Fatalf("trailers with :status: %v", f)
			}
			if !f.EndStream {
				continue
			}
			if httpStatus == "200" || f.Has("grpc-status") {
				if _, err := strconv.ParseUint(f.Get("grpc-status"), 10, 32); err != nil {
					t.Fatalf("the call ended without a numeric grpc-status: %v\n%s", f, p.FrameLog())
				}
			}
			return
		case *http2.DataFrame:
			if f.StreamID != id || httpStatus == "" {
				t.Fatalf("unexpected %v\n%s", f, p.FrameLog())
			}
			if f.StreamEnded() {
				if httpStatus == "200" {
					t.Fatalf("a gRPC response ended without trailers\n%s", p.FrameLog())
				}
				return
			}
		case *http2.WindowUpdateFrame, *http2.SettingsFrame, *http2.PingFrame:
		default:
			t.Fatalf("unexpected %v\n%s", f, p.FrameLog())
		}
	}
}
