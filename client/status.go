package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	"grpcwire/framing"
	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// The status of a call, as the client finds it: in the response headers and
// trailers (PROTOCOL-HTTP2.md's Response-Headers, Trailers and
// Trailers-Only), synthesized from the HTTP status when the response is not
// gRPC (doc/http-grpc-status-mapping.md, wire.CodeFromHTTPStatus), or made
// here for a failure on this side. Statuses are built through package wire:
// the peer's with wire.StatusFromTrailer, local failures with failed, whose
// code comes from wire.StatusOf, the one place where a failure becomes a
// code; only the rules doc/statuscodes.md gives the client itself (response
// cardinality, an unparsable response) name their code here.

// errClosing is the status of calls on a closed Conn.
var errClosing = wire.NewStatus(wire.Canceled, "grpcwire: the client connection is closing")

// statusOK is the status of calls that end with OK; it never reaches the
// application (RecvMsg returns io.EOF for it).
var statusOK = &wire.Status{Code: wire.OK, Remote: true}

// failed is the status of a local failure: wire.StatusOf decides the code
// from cause, and the message says what happened here, in words that name
// the option or the peer's part in it.
func failed(cause error, format string, a ...any) *wire.Status {
	return wire.NewStatus(wire.CodeOf(cause), fmt.Sprintf(format, a...))
}

// joinTransport marks err as a failure of the connection, which
// wire.StatusOf turns into UNAVAILABLE whatever err wraps.
func joinTransport(err error) error { return errors.Join(wire.ErrTransport, err) }

// unavailable is the status of a call that found no connection to go on.
// err becomes the status's Cause (wire.Errorf's %w), so that a program can
// find the *ConnectError behind the call and word its own advice.
func unavailable(err error) error {
	return wire.Errorf(wire.CodeOf(joinTransport(err)), "grpcwire: cannot connect: %w", err)
}

// contextStatus is the status of a call whose context ended.
func contextStatus(err error, when string) *wire.Status {
	if errors.Is(err, context.DeadlineExceeded) {
		return failed(err, "grpcwire: deadline exceeded %s", when)
	}
	return failed(context.Canceled, "grpcwire: context canceled %s", when)
}

// cardinalityViolation is the status of a call whose server sent no
// response message, or more than one, where the method takes one: "Response
// cardinality violation | UNIMPLEMENTED" (doc/statuscodes.md, "Client").
func cardinalityViolation(what string) *wire.Status {
	return wire.NewStatus(wire.Unimplemented, "grpcwire: response cardinality violation: "+what)
}

// unparsable is the status of a response message that does not decode:
// "Error parsing response proto | INTERNAL" (doc/statuscodes.md, "Client").
func unparsable(m proto.Message, err error) *wire.Status {
	return wire.NewStatus(wire.Internal, fmt.Sprintf("grpcwire: cannot parse the response message as %s: %v", m.ProtoReflect().Descriptor().FullName(), err))
}

// readHeader waits for the response headers and checks them; a response
// that is not gRPC, or Trailers-Only, fixes the call's status here.
func (cs *Stream) readHeader() error {
	ts := cs.headerStream()
	if ts == nil {
		return nil
	}
	return cs.checkHeader(ts)
}

// checkHeader checks the response headers of ts, which have arrived.
func (cs *Stream) checkHeader(ts *transport.Stream) error {
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	if cs.headerRead {
		return nil
	}
	cs.headerRead = true
	cs.headerSeen.Store(true)
	// The Header call option gets the response headers, or empty metadata
	// when there are none (Trailers-Only, a failed stream), as documented.
	defer func() {
		if cs.co.header != nil {
			*cs.co.header = orEmpty(cs.header)
		}
	}()
	fields := cs.ts.Header()
	if fields == nil {
		cs.setStatusLocked(cs.streamFailure(cs.ts.Err()))
		cs.header = wire.Metadata{}
		return nil
	}
	var httpStatus, contentType, encoding string
	var hasStatus bool
	var md wire.Metadata // made only when there is metadata
	for _, f := range fields {
		switch f.Name {
		case wire.HeaderStatus:
			httpStatus = f.Value
		case wire.HeaderContentType:
			contentType = f.Value
		case wire.HeaderEncoding:
			encoding = f.Value
		case wire.HeaderGRPCStatus:
			hasStatus = true
		default:
			if !f.IsPseudo() {
				if md == nil {
					md = wire.Metadata{}
				}
				md.AddHeaderField(f.Name, f.Value)
			}
		}
	}
	trailersOnly := cs.ts.TrailersOnly()
	_, isGRPC := wire.ParseContentType(contentType)
	if !isGRPC || (httpStatus != "200" && !hasStatus) {
		cs.setStatusLocked(cs.nonGRPCStatus(httpStatus, contentType, isGRPC, trailersOnly))
		cs.header = wire.Metadata{}
		return nil
	}
	if trailersOnly {
		cs.header = wire.Metadata{}
		cs.setStatusLocked(cs.statusFrom(fields, httpStatus))
		return nil
	}
	cs.header = md
	if encoding != "" && encoding != "identity" {
		codec := framing.Lookup(encoding)
		if codec == nil {
			// "Compression mechanism used by server not supported by the
			// client | INTERNAL" (doc/statuscodes.md).
			cs.setStatusLocked(wire.NewStatus(wire.Internal, fmt.Sprintf("grpcwire: the server compressed with %q, which is not registered here", encoding)))
			cs.ts.Cancel(http2.ErrCodeCancel)
			return nil
		}
		cs.reader.SetCodec(codec)
	}
	return nil
}

// nonGRPCStatus is the status of a response that is not gRPC: the code from
// the HTTP status (doc/http-grpc-status-mapping.md), and a message that says
// what came back, quoting up to 1 KiB of the body.
func (cs *Stream) nonGRPCStatus(httpStatus, contentType string, isGRPC, ended bool) *wire.Status {
	code := wire.Unknown
	msg := "grpcwire: the response has no :status"
	if n, err := strconv.Atoi(httpStatus); err == nil {
		code = wire.CodeFromHTTPStatus(n)
		msg = fmt.Sprintf("grpcwire: unexpected HTTP status %d (%s) from the server", n, http.StatusText(n))
	}
	if !isGRPC {
		msg += fmt.Sprintf("; its content-type %q is not application/grpc, so it is not a gRPC response", contentType)
	}
	if !ended {
		body := make([]byte, 1024)
		n, _ := io.ReadFull(cs.ts, body)
		if n > 0 {
			msg += fmt.Sprintf("; body: %q", body[:n])
		}
		cs.ts.Cancel(http2.ErrCodeCancel)
	}
	return wire.NewStatus(code, msg)
}

// statusFrom reads the status out of trailer fields.
func (cs *Stream) statusFrom(fields []hpack.HeaderField, httpStatus string) *wire.Status {
	var code, msg, details string
	var hasCode, hasDetails bool
	var md wire.Metadata // made only when there is metadata
	for _, f := range fields {
		switch f.Name {
		case wire.HeaderGRPCStatus:
			code, hasCode = f.Value, true
		case wire.HeaderGRPCMessage:
			msg = f.Value
		case wire.HeaderStatusDetails:
			details, hasDetails = f.Value, true
		default:
			if !f.IsPseudo() && f.Name != wire.HeaderContentType {
				if md == nil {
					md = wire.Metadata{}
				}
				md.AddHeaderField(f.Name, f.Value)
			}
		}
	}
	cs.trailer = md
	if !hasCode && httpStatus != "" && httpStatus != "200" {
		n, _ := strconv.Atoi(httpStatus)
		return wire.NewStatus(wire.CodeFromHTTPStatus(n), fmt.Sprintf("grpcwire: no grpc-status in a response with HTTP status %s", httpStatus))
	}
	if code == "0" && msg == "" && !hasDetails {
		return statusOK // the common case, without an allocation
	}
	return wire.StatusFromTrailer(code, msg, details, hasDetails)
}

// trailerStatus is the status once the stream ended cleanly.
func (cs *Stream) trailerStatus() *wire.Status {
	trl := cs.ts.Trailer()
	if trl == nil {
		return wire.NewStatus(wire.Internal, "grpcwire: the server ended the stream without trailers")
	}
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return cs.statusFrom(trl, "")
}

// recvFailure is the status of a read that failed.
func (cs *Stream) recvFailure(err error) *wire.Status {
	var tl *framing.TooLargeError
	if errors.As(err, &tl) {
		cs.ts.Cancel(http2.ErrCodeCancel)
		return failed(tl, "%v (raise it with client.MaxRecvMsgSize)", tl)
	}
	if serr := cs.ts.Err(); serr != nil {
		// The stream failed (reset, connection lost): that is the call's
		// status, even when the failure wraps io.EOF and so made the framing
		// report a truncated message.
		return cs.streamFailure(serr)
	}
	if errors.Is(err, framing.ErrTruncated) || errors.Is(err, framing.ErrBadFlag) ||
		errors.Is(err, framing.ErrCompressedWithoutEncoding) || errors.Is(err, framing.ErrDecompress) {
		cs.ts.Cancel(http2.ErrCodeCancel)
		return wire.StatusOf(err)
	}
	return cs.streamFailure(err)
}

// deadlinePassed reports whether the call's deadline, if it has one, has
// passed.
func (cs *Stream) deadlinePassed() bool {
	d, ok := cs.ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// streamFailure is the status of a stream the transport ended.
func (cs *Stream) streamFailure(err error) *wire.Status {
	if cs.cc.isClosed() {
		return errClosing
	}
	if errors.Is(err, transport.ErrStreamCanceled) {
		if cerr := cs.ctx.Err(); cerr != nil {
			return contextStatus(cerr, "")
		}
		return failed(context.Canceled, "grpcwire: the call was canceled")
	}
	if errors.Is(err, transport.ErrHeaderListTooLarge) {
		// Not sent, and it would not be the next time either: INTERNAL, as
		// grpc-go says of the same failure.
		return wire.NewStatus(wire.Internal, fmt.Sprintf("grpcwire: the request headers were not sent: %v (send less metadata)", err))
	}
	var se http2.StreamError
	if errors.As(err, &se) {
		if se.Code == http2.ErrCodeCancel && cs.deadlinePassed() {
			// A server resets the stream with CANCEL at the call's deadline
			// (PROTOCOL-HTTP2.md), and its timer may beat ours: the call
			// failed for its deadline, not because the server gave up.
			return contextStatus(context.DeadlineExceeded, "")
		}
		return failed(err, "grpcwire: the server reset the stream with RST_STREAM %s", se.Code)
	}
	if err == nil {
		return wire.NewStatus(wire.Internal, "grpcwire: the stream ended without a status")
	}
	return failed(joinTransport(err), "grpcwire: %v", err)
}
