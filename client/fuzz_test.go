package client_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// FuzzResponse answers a real client's unary call with a fuzzed response:
// :status, content-type, grpc-status, grpc-message, grpc-status-details-bin
// and a body, either as headers, body and trailers or as one Trailers-Only
// HEADERS frame. Whatever comes back, the call must end (no hang) with a
// *wire.Status or with success, and succeed only for a well-formed OK
// response carrying exactly one message; a valid non-OK grpc-status on a
// gRPC response must reach the application as that code.
func FuzzResponse(f *testing.F) {
	h2test.VerifyNoLeaks(f)
	msg := string(h2test.LengthPrefixed(false, testsvc.Marshal(f, wrapperspb.String("res"))))
	f.Add("200", "application/grpc", "0", "", "", []byte(msg), false)
	f.Add("200", "application/grpc", "5", "not%20found", "", []byte{}, true)
	f.Add("503", "text/plain", "", "", "", []byte("overloaded"), false)
	f.Add("200", "application/grpc+proto", "3", "%ZZ%", "CAMSBWhlbGxv", []byte(msg+msg), false)
	f.Add("200", "text/html", "", "", "", []byte("<html></html>"), false)
	f.Add("200", "application/grpc", "99", "\t", "!!", []byte(msg[:4]), false)
	f.Add("404", "application/grpc", "", "", "", []byte{}, true)

	f.Fuzz(func(t *testing.T, status, contentType, grpcStatus, grpcMessage, details string, body []byte, trailersOnly bool) {
		if len(body) > 16384 {
			body = body[:16384]
		}
		ln := testsvc.NewPipeListener()
		t.Cleanup(func() { ln.Close() })
		cc := testsvc.Dial(t, "pipe:0", client.WithDialer(ln.Dial))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		wait := testsvc.Go(t, func() error {
			_, err := echo(ctx, cc, "req")
			return err
		})
		nc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		p := h2test.NewServer(t, nc)
		p.SetTimeout(2 * time.Second)
		p.Handshake()
		p.ExpectHeaders(1, false)
		p.ExpectGRPCMessage(1)

		head := []string{":status", status}
		if contentType != "" {
			head = append(head, "content-type", contentType)
		}
		var trailer []string
		for _, kv := range [][2]string{{"grpc-status", grpcStatus}, {"grpc-message", grpcMessage}, {"grpc-status-details-bin", details}} {
			if kv[1] != "" {
				trailer = append(trailer, kv[0], kv[1])
			}
		}
		if trailersOnly {
			p.WriteHeaders(1, true, append(head, trailer...)...)
		} else {
			p.WriteHeaders(1, false, head...)
			p.WriteData(1, false, body)
			p.WriteHeaders(1, true, trailer...)
		}
		err = wait()

		grpcResponse := status == "200" && (contentType == "application/grpc" || contentType == "application/grpc+proto")
		if err == nil {
			if !grpcResponse || grpcStatus != "0" || trailersOnly || string(body) != msg {
				t.Fatalf("the call succeeded on a response that is not one well-formed OK message: %q %q status %q trailers-only %v body %q",
					status, contentType, grpcStatus, trailersOnly, body)
			}
			return
		}
		var st *wire.Status
		if !errors.As(err, &st) {
			t.Fatalf("error %v (%T) is not a *wire.Status", err, err)
		}
		if code, perr := strconv.Atoi(grpcStatus); perr == nil && grpcResponse && code > 0 && code <= 16 && details == "" &&
			(trailersOnly || len(body) == 0) && st.Code != wire.Code(code) {
			t.Fatalf("grpc-status %s arrived as %v (%q)", grpcStatus, st.Code, st.Message)
		}
	})
}
