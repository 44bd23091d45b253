package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/framing"
)

// firstRow returns the statusOfTable row that decides err, or "".
func firstRow(err error) string {
	for _, row := range statusOfTable {
		if row.match(err) {
			return row.what
		}
	}
	return ""
}

// TestStatusOfTable checks one error per row of statusOfTable, and that
// every row is the deciding one for at least one case.
func TestStatusOfTable(t *testing.T) {
	tooLarge := &framing.TooLargeError{Length: 5 << 20, Limit: 4 << 20}
	for _, tc := range []struct {
		row     string // the row that must decide
		err     error
		code    Code
		message string // substring of the message
	}{
		{"ErrTransport", errors.Join(ErrTransport, fmt.Errorf("timed out connecting: %w", context.DeadlineExceeded)), Unavailable, "timed out connecting"},
		{"ErrTransport", fmt.Errorf("tls: %w", ErrTransport), Unavailable, "tls"},
		{"context.DeadlineExceeded", context.DeadlineExceeded, DeadlineExceeded, "deadline exceeded"},
		{"context.DeadlineExceeded", fmt.Errorf("waiting: %w", context.DeadlineExceeded), DeadlineExceeded, "waiting"},
		{"context.Canceled", context.Canceled, Canceled, "canceled"},
		{"*framing.TooLargeError", tooLarge, ResourceExhausted, tooLarge.Error()},
		{"*framing.TooLargeError", fmt.Errorf("reading: %w", tooLarge), ResourceExhausted, "exceeds the max receive size of 4194304"},
		{"framing.ErrTruncated", fmt.Errorf("%w: after 3 of 5 prefix bytes", framing.ErrTruncated), Internal, "after 3 of 5"},
		{"framing.ErrCompressedWithoutEncoding", framing.ErrCompressedWithoutEncoding, Internal, "without grpc-encoding"},
		{"framing.ErrBadFlag", &framing.FlagError{Flag: 7}, Internal, "flag 7"},
		{"framing.ErrDecompress", &framing.DecompressError{Codec: "gzip", Err: io.ErrUnexpectedEOF}, Internal, "gzip"},
		{"http2.StreamError", http2.StreamError{StreamID: 1, Code: http2.ErrCodeCancel}, Canceled, "RST_STREAM CANCEL"},
		{"http2.StreamError", fmt.Errorf("recv: %w", http2.StreamError{StreamID: 3, Code: http2.ErrCodeRefusedStream}), Unavailable, "can be retried"},
		{"http2.StreamError", &http2.StreamError{StreamID: 3, Code: http2.ErrCodeEnhanceYourCalm}, ResourceExhausted, "bandwidth"},
		{"http2.StreamError", http2.StreamError{StreamID: 3, Code: http2.ErrCodeInadequateSecurity}, PermissionDenied, "not secure enough"},
		{"http2.StreamError", http2.StreamError{StreamID: 3, Code: http2.ErrCodeProtocol}, Internal, "PROTOCOL_ERROR"},
		{"http2.GoAwayError", http2.GoAwayError{LastStreamID: 1, ErrCode: http2.ErrCodeNo}, Unavailable, "connection failed: http2: server sent GOAWAY"},
		{"http2.ConnectionError", http2.ConnectionError(http2.ErrCodeProtocol), Unavailable, "connection failed: connection error: PROTOCOL_ERROR"},
		{"io.EOF", io.EOF, Unavailable, "connection failed: EOF"},
		{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF, Unavailable, "connection failed: unexpected EOF"},
		{"net.ErrClosed", fmt.Errorf("write: %w", net.ErrClosed), Unavailable, "use of closed network connection"},
		{"*net.OpError", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("no route")}, Unavailable, "dial tcp: no route"},
		{"syscall.ECONNRESET", os.NewSyscallError("read", syscall.ECONNRESET), Unavailable, "connection reset"},
		{"syscall.ECONNREFUSED", syscall.ECONNREFUSED, Unavailable, "connection refused"},
		{"syscall.EPIPE", fmt.Errorf("flush: %w", syscall.EPIPE), Unavailable, "broken pipe"},
	} {
		if got := firstRow(tc.err); got != tc.row {
			t.Errorf("%v: decided by row %q, want %q", tc.err, got, tc.row)
		}
		st := StatusOf(tc.err)
		if st == nil || st.Code != tc.code || !strings.Contains(st.Message, tc.message) || st.Remote {
			t.Errorf("StatusOf(%v) = %+v; want local code %v, message containing %q", tc.err, st, tc.code, tc.message)
		}
		if got := CodeOf(tc.err); got != tc.code {
			t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.code)
		}
	}
}

// TestStatusOfTableCovered makes sure no row of statusOfTable goes
// untested: each row name must appear in TestStatusOfTable's cases, which
// is checked by giving each row a sample here too.
func TestStatusOfTableCovered(t *testing.T) {
	samples := map[string]error{
		"ErrTransport":                         ErrTransport,
		"context.DeadlineExceeded":             context.DeadlineExceeded,
		"context.Canceled":                     context.Canceled,
		"*framing.TooLargeError":               &framing.TooLargeError{},
		"framing.ErrTruncated":                 framing.ErrTruncated,
		"framing.ErrCompressedWithoutEncoding": framing.ErrCompressedWithoutEncoding,
		"framing.ErrBadFlag":                   framing.ErrBadFlag,
		"framing.ErrDecompress":                framing.ErrDecompress,
		"http2.StreamError":                    http2.StreamError{},
		"http2.GoAwayError":                    http2.GoAwayError{},
		"http2.ConnectionError":                http2.ConnectionError(0),
		"io.EOF":                               io.EOF,
		"io.ErrUnexpectedEOF":                  io.ErrUnexpectedEOF,
		"net.ErrClosed":                        net.ErrClosed,
		"*net.OpError":                         &net.OpError{Err: errors.New("x")},
		"syscall.ECONNRESET":                   syscall.ECONNRESET,
		"syscall.ECONNREFUSED":                 syscall.ECONNREFUSED,
		"syscall.EPIPE":                        syscall.EPIPE,
	}
	if len(samples) != len(statusOfTable) {
		t.Errorf("statusOfTable has %d rows, the test knows %d", len(statusOfTable), len(samples))
	}
	for _, row := range statusOfTable {
		err, ok := samples[row.what]
		if !ok {
			t.Errorf("row %q has no test", row.what)
			continue
		}
		if got := firstRow(err); got != row.what {
			t.Errorf("sample for row %q is decided by %q", row.what, got)
		}
	}
}

type grpcStatusError struct{ st *Status }

func (e grpcStatusError) Error() string       { return "custom" }
func (e grpcStatusError) GRPCStatus() *Status { return e.st }

func TestStatusOfPassThrough(t *testing.T) {
	if StatusOf(nil) != nil {
		t.Error("StatusOf(nil) is not nil")
	}
	if CodeOf(nil) != OK {
		t.Error("CodeOf(nil) is not OK")
	}
	remote := &Status{Code: NotFound, Message: "gone", Remote: true}
	if got := StatusOf(fmt.Errorf("a: %w", fmt.Errorf("b: %w", remote))); got != remote {
		t.Errorf("StatusOf(wrapped *Status) = %+v, want the same status", got)
	}
	// A *Status wins over anything else in the chain.
	joined := errors.Join(io.EOF, remote)
	if got := StatusOf(joined); got != remote {
		t.Errorf("StatusOf(join(EOF, status)) = %+v", got)
	}
	custom := &Status{Code: Aborted, Message: "custom"}
	if got := StatusOf(fmt.Errorf("x: %w", grpcStatusError{custom})); got != custom {
		t.Errorf("StatusOf(GRPCStatus error) = %+v", got)
	}
	// GRPCStatus returning nil falls through to the table and the default.
	if got := StatusOf(grpcStatusError{nil}); got.Code != Unknown || got.Message != "custom" {
		t.Errorf("StatusOf(GRPCStatus nil) = %+v", got)
	}
	// A timeout error from the ParseTimeout is its own status.
	_, err := ParseTimeout("x")
	if got := StatusOf(err); got.Code != Internal || !strings.Contains(got.Message, "malformed grpc-timeout") {
		t.Errorf("StatusOf(ParseTimeout error) = %+v", got)
	}
	// Anything else is UNKNOWN with its own text.
	if got := StatusOf(errors.New("handler exploded")); got.Code != Unknown || got.Message != "handler exploded" || got.Remote {
		t.Errorf("StatusOf(other) = %+v", got)
	}
	// Context beats a connection error in the same chain (table order).
	if got := CodeOf(errors.Join(io.EOF, context.Canceled)); got != Canceled {
		t.Errorf("CodeOf(join(EOF, Canceled)) = %v, want CANCELLED", got)
	}
	// A truncated gzip body is broken framing, not a broken connection.
	if got := CodeOf(&framing.DecompressError{Codec: "gzip", Err: io.ErrUnexpectedEOF}); got != Internal {
		t.Errorf("CodeOf(decompress EOF) = %v, want INTERNAL", got)
	}
}
