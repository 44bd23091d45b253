package transport

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/net/http2"
)

// The transport's error values. Streams and connections fail with these;
// the server and client turn them into gRPC statuses (the server's and
// client's status mapping; wire.StatusOf). Match them with errors.Is and
// errors.As.

// ConnError is the error streams see when their connection ended.
type ConnError struct {
	Err error // why the connection ended
}

// Error says that the connection closed, and why.
// Error says that the connection closed, and why.
func (e *ConnError) Error() string { return "grpcwire/transport: connection closed: " + e.Err.Error() }

// Unwrap returns why the connection ended.
func (e *ConnError) Unwrap() error { return e.Err }

var (
	// errClosedLocally: this side closed the connection.
	errClosedLocally = fmt.Errorf("closed by this side: %w", net.ErrClosed)
	// ErrPeerClosed: the peer closed the connection without GOAWAY.
	errPeerClosed = errors.New("the peer closed the connection")
)

// connError is a protocol error that ends the connection: RFC 9113 §5.4.1
// says to send GOAWAY with its code, then close.
type connError struct {
	code   http2.ErrCode
	reason string
}

func (e connError) Error() string {
	return fmt.Sprintf("grpcwire/transport: connection error %s: %s", e.code, e.reason)
}

// ProtocolError is the error a connection ends with after the peer broke the
// HTTP/2 protocol; it names the RFC 9113 error code sent in GOAWAY.
type ProtocolError struct {
	Code   http2.ErrCode
	Reason string
}

// Error names the violation and its RFC 9113 error code.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("the peer violated HTTP/2 (%s): %s", e.Code, e.Reason)
}

var errFlowControl = &ProtocolError{Code: http2.ErrCodeFlowControl, Reason: "flow-control window overflow"}

var (
	// ErrStreamDone is returned by writes after the stream's send side has
	// ended (END_STREAM queued or sent, or the peer completed the stream).
	ErrStreamDone = errors.New("grpcwire/transport: stream already ended")
	// ErrStreamCanceled is what a stream reset by this side reports.
	ErrStreamCanceled = errors.New("grpcwire/transport: stream canceled")
	// ErrUnprocessed wraps the failure of a stream the peer never
	// processed (it was above the peer's GOAWAY, or refused): it is safe to
	// retry on another connection.
	ErrUnprocessed = errors.New("grpcwire/transport: stream not processed by the peer")
	// ErrHeaderListTooLarge matches the failure of a stream whose header
	// block was not sent because it exceeds the peer's
	// SETTINGS_MAX_HEADER_LIST_SIZE: sending it again would fail again.
	ErrHeaderListTooLarge = errors.New("grpcwire/transport: header list too large for the peer")

	errReleased    = errors.New("grpcwire/transport: stream released")
	errDrained     = errors.New("grpcwire/transport: connection drained after GOAWAY")
	errQueueClosed = errors.New("grpcwire/transport: connection closing")
)

// IsUnprocessed reports whether err means the peer never processed the
// stream: GOAWAY above it, or RST_STREAM(REFUSED_STREAM).
func IsUnprocessed(err error) bool {
	if errors.Is(err, ErrUnprocessed) {
		return true
	}
	var se http2.StreamError
	return errors.As(err, &se) && se.Code == http2.ErrCodeRefusedStream
}

// headerListTooLarge is a header block the peer said it will not accept.
type headerListTooLarge struct{ size, limit uint32 }

func (e headerListTooLarge) Error() string {
	return fmt.Sprintf("grpcwire/transport: header list of %d bytes exceeds the peer's SETTINGS_MAX_HEADER_LIST_SIZE of %d", e.size, e.limit)
}

// Is makes the error match ErrHeaderListTooLarge.
func (e headerListTooLarge) Is(target error) bool { return target == ErrHeaderListTooLarge }

func isLocalHeaderError(err error) bool {
	_, ok := err.(headerListTooLarge)
	return ok
}

// errKeepaliveTimeout ends a connection whose peer stopped answering.
var errKeepaliveTimeout = errors.New("keepalive: the peer did not answer a PING within the timeout")
