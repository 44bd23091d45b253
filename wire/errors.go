package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"golang.org/x/net/http2"

	"grpcwire/framing"
)

// StatusOf is the one place where a failure becomes a status code. Server and
// client pass every error they end a call with through it, so that the code a
// user sees does not depend on which layer noticed the failure first.
//
// First, an error that already is a status stays one: a *Status anywhere in
// the chain (errors.As) is returned as is, and so is the status of an error
// with a method GRPCStatus() *Status that returns non-nil. Then the first
// matching row of statusOfTable decides, in order; anything else is UNKNOWN
// with err.Error() as the message ("Server side application throws an
// exception [...] UNKNOWN", doc/statuscodes.md). Statuses made here are
// local: Remote is false.
//
// StatusOf(nil) is nil, since no error means no failed call; CodeOf(nil) is
// OK.
func StatusOf(err error) *Status {
	if err == nil {
		return nil
	}
	var st *Status
	if errors.As(err, &st) && st != nil {
		return st
	}
	var gs interface{ GRPCStatus() *Status }
	if errors.As(err, &gs) {
		if st := gs.GRPCStatus(); st != nil {
			return st
		}
	}
	for _, row := range statusOfTable {
		if !row.match(err) {
			continue
		}
		code := row.code
		if row.codeFrom != nil {
			code = row.codeFrom(err)
		}
		return &Status{Code: code, Message: row.message(err)}
	}
	return &Status{Code: Unknown, Message: err.Error()}
}

// CodeOf returns the code StatusOf(err) gives: OK for nil.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	return StatusOf(err).Code
}

// ErrTransport marks the failure of a call for want of a connection: none
// could be made, or the one the call was on broke. A client joins it to the
// underlying error (errors.Join) so that StatusOf answers UNAVAILABLE
// whatever that error is (a TLS alert, a timeout, a protocol error of the
// peer): "If a detectable connection failure occurs on the client all calls
// will be closed with an UNAVAILABLE status" (PROTOCOL-HTTP2.md), and "Some
// data transmitted (e.g., request metadata written to TCP connection) before
// connection breaks | UNAVAILABLE" (doc/statuscodes.md).
var ErrTransport = errors.New("the connection failed")

// statusOfRule is one row of statusOfTable.
type statusOfRule struct {
	what     string                 // the error, as a reader would name it
	match    func(error) bool       // whether err is this kind of error
	code     Code                   // the code it becomes
	codeFrom func(error) Code       // when set, computes the code instead
	message  func(err error) string // the status message
}

// statusOfTable maps internal failures to codes, first match wins. The order
// matters where errors nest: framing wraps a codec's error, which may be
// io.ErrUnexpectedEOF from a truncated gzip body, so the framing rows come
// before the connection rows; ErrTransport comes first, because a client
// sets it on purpose over an error that may wrap anything (a dial timeout
// wraps context.DeadlineExceeded, and is still UNAVAILABLE). The codes follow doc/statuscodes.md and
// PROTOCOL-HTTP2.md:
//
//   - context: "Client Application cancelled the request | CANCELLED" and
//     "Deadline expires before server returns status | DEADLINE_EXCEEDED".
//   - size limits: "Sent or received message was larger than configured
//     limit | RESOURCE_EXHAUSTED".
//   - broken framing and decompression: "Could not decompress, but
//     compression algorithm supported | INTERNAL"; compression.md: a
//     Compressed-Flag set without grpc-encoding "MUST fail with INTERNAL".
//   - the peer's RST_STREAM: the RST_STREAM table of "Errors"
//     (CodeFromRSTStream).
//   - a broken connection: "Some data transmitted [...] before connection
//     breaks | UNAVAILABLE", and "If a detectable connection failure occurs on
//     the client all calls will be closed with an UNAVAILABLE status"; GOAWAY
//     streams "as UNAVAILABLE".
var statusOfTable = []statusOfRule{
	{"ErrTransport", isErr(ErrTransport), Unavailable, nil, errMessage},
	{"context.DeadlineExceeded", isErr(context.DeadlineExceeded), DeadlineExceeded, nil, errMessage},
	{"context.Canceled", isErr(context.Canceled), Canceled, nil, errMessage},
	{"*framing.TooLargeError", asErr[*framing.TooLargeError], ResourceExhausted, nil, tooLargeMessage},
	{"framing.ErrTruncated", isErr(framing.ErrTruncated), Internal, nil, errMessage},
	{"framing.ErrCompressedWithoutEncoding", isErr(framing.ErrCompressedWithoutEncoding), Internal, nil, errMessage},
	{"framing.ErrBadFlag", isErr(framing.ErrBadFlag), Internal, nil, errMessage},
	{"framing.ErrDecompress", isErr(framing.ErrDecompress), Internal, nil, errMessage},
	{"http2.StreamError", isStreamError, Internal, rstCode, rstMessage},
	{"http2.GoAwayError", asErr[http2.GoAwayError], Unavailable, nil, connMessage},
	{"http2.ConnectionError", asErr[http2.ConnectionError], Unavailable, nil, connMessage},
	{"io.EOF", isErr(io.EOF), Unavailable, nil, connMessage},
	{"io.ErrUnexpectedEOF", isErr(io.ErrUnexpectedEOF), Unavailable, nil, connMessage},
	{"net.ErrClosed", isErr(net.ErrClosed), Unavailable, nil, connMessage},
	{"*net.OpError", asErr[*net.OpError], Unavailable, nil, connMessage},
	{"syscall.ECONNRESET", isErr(syscall.ECONNRESET), Unavailable, nil, connMessage},
	{"syscall.ECONNREFUSED", isErr(syscall.ECONNREFUSED), Unavailable, nil, connMessage},
	{"syscall.EPIPE", isErr(syscall.EPIPE), Unavailable, nil, connMessage},
}

// isErr returns a matcher for errors.Is(err, target).
func isErr(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// asErr matches when errors.As finds a T in the chain.
func asErr[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// streamError finds x/net's StreamError in the chain, as a value (what x/net
// returns) or a pointer.
func streamError(err error) (http2.StreamError, bool) {
	var se http2.StreamError
	if errors.As(err, &se) {
		return se, true
	}
	var sp *http2.StreamError
	if errors.As(err, &sp) && sp != nil {
		return *sp, true
	}
	return se, false
}

func isStreamError(err error) bool {
	_, ok := streamError(err)
	return ok
}

// rstCode maps the reset's HTTP/2 error code through the RST_STREAM table.
func rstCode(err error) Code {
	se, _ := streamError(err)
	return CodeFromRSTStream(se.Code)
}

func errMessage(err error) string { return err.Error() }

func tooLargeMessage(err error) string {
	var tl *framing.TooLargeError
	errors.As(err, &tl)
	return tl.Error()
}

func rstMessage(err error) string {
	se, _ := streamError(err)
	return fmt.Sprintf("stream reset with RST_STREAM %v%s (%v)", se.Code, rstStreamDetail(se.Code), err)
}

func connMessage(err error) string {
	return "connection failed: " + err.Error()
}
