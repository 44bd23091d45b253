package h2test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"golang.org/x/net/http2"
)

// The gRPC helpers below write and read the atoms of grpc/grpc's
// doc/PROTOCOL-HTTP2.md ("gRPC over HTTP2"), so that a test reads as the
// spec's own example of a call. They build on the plain HTTP/2 helpers and
// know nothing a test could not write by hand.

// grpcRequestHeaders is what WriteGRPCRequestHeaders sends before any extra
// fields, in this order. PROTOCOL-HTTP2.md, Requests:
//
//	Call-Definition → Method Scheme Path TE [Authority] [Timeout] Content-Type [Message-Type] [Message-Encoding] [Message-Accept-Encoding] [User-Agent]
//
// and "HTTP2 requires that reserved headers, ones starting with ":" appear
// before all other headers", so :authority moves up among the pseudo-headers.
// The :path value here is a placeholder: each call supplies its own.
var grpcRequestHeaders = []struct{ rule, name, value string }{
	{"Method", ":method", "POST"},
	{"Scheme", ":scheme", "http"},
	{"Path", ":path", "/Service/Method"},
	{"Authority", ":authority", DefaultAuthority},
	{"TE", "te", "trailers"},
	{"Content-Type", "content-type", "application/grpc"},
}

// grpcResponseHeaders is what WriteGRPCResponseHeaders sends before any
// extra fields. PROTOCOL-HTTP2.md, Responses:
//
//	Response-Headers → HTTP-Status [Message-Encoding] [Message-Accept-Encoding] Content-Type *Custom-Metadata
//	HTTP-Status → ":status 200"
var grpcResponseHeaders = []struct{ rule, name, value string }{
	{"HTTP-Status", ":status", "200"},
	{"Content-Type", "content-type", "application/grpc"},
}

// Header names of the Trailers production. PROTOCOL-HTTP2.md, Responses:
//
//	Trailers → Status [Status-Message] *Custom-Metadata
//	Status → "grpc-status" 1*DIGIT ; 0-9
//	Status-Message → "grpc-message" Percent-Encoded
const (
	grpcStatusHeader  = "grpc-status"
	grpcMessageHeader = "grpc-message"
)

// WriteGRPCRequestHeaders writes the Request-Headers of a gRPC call on
// streamID: :method POST, :scheme http, :path path, :authority localhost,
// te trailers and content-type application/grpc, followed by extra
// (name, value, ... pairs: grpc-timeout, metadata). Fields in extra are sent
// as well, not instead: to send a request with a wrong :method or
// content-type, use WriteHeaders with every field spelled out.
func (p *Peer) WriteGRPCRequestHeaders(streamID uint32, path string, endStream bool, extra ...string) {
	p.T.Helper()
	fields := make([]string, 0, 2*len(grpcRequestHeaders)+len(extra))
	for _, h := range grpcRequestHeaders {
		v := h.value
		if h.name == ":path" {
			v = path
		}
		fields = append(fields, h.name, v)
	}
	p.WriteHeaders(streamID, endStream, append(fields, extra...)...)
}

// WriteGRPCResponseHeaders writes the Response-Headers of a gRPC call on
// streamID: :status 200 and content-type application/grpc, followed by extra
// (grpc-encoding, metadata). It is for tests that play a server against the
// client under test.
func (p *Peer) WriteGRPCResponseHeaders(streamID uint32, extra ...string) {
	p.T.Helper()
	fields := make([]string, 0, 2*len(grpcResponseHeaders)+len(extra))
	for _, h := range grpcResponseHeaders {
		fields = append(fields, h.name, h.value)
	}
	p.WriteHeaders(streamID, false, append(fields, extra...)...)
}

// WriteGRPCTrailers writes the Trailers that end a gRPC call on streamID,
// with END_STREAM: grpc-status, grpc-message unless message is empty, and
// extra. The message is sent as given, not percent-encoded, so a test can
// send both well-formed and broken encodings.
func (p *Peer) WriteGRPCTrailers(streamID uint32, status int, message string, extra ...string) {
	p.T.Helper()
	p.WriteHeaders(streamID, true, append(grpcTrailerFields(status, message), extra...)...)
}

// WriteGRPCTrailersOnly writes a Trailers-Only response on streamID, the one
// HEADERS frame with END_STREAM a server sends for a call that fails before
// any message. PROTOCOL-HTTP2.md, Responses:
//
//	Trailers-Only → HTTP-Status Content-Type Trailers
func (p *Peer) WriteGRPCTrailersOnly(streamID uint32, status int, message string, extra ...string) {
	p.T.Helper()
	var fields []string
	for _, h := range grpcResponseHeaders {
		fields = append(fields, h.name, h.value)
	}
	fields = append(fields, grpcTrailerFields(status, message)...)
	p.WriteHeaders(streamID, true, append(fields, extra...)...)
}

func grpcTrailerFields(status int, message string) []string {
	fields := []string{grpcStatusHeader, strconv.Itoa(status)}
	if message != "" {
		fields = append(fields, grpcMessageHeader, message)
	}
	return fields
}

// LengthPrefixed returns msg as a Length-Prefixed-Message
// (PROTOCOL-HTTP2.md): Compressed-Flag (1 if compressed, else 0), the
// four-byte big-endian Message-Length, then msg. Tests that cut messages
// across DATA frames send slices of it with WriteData.
func LengthPrefixed(compressed bool, msg []byte) []byte {
	b := make([]byte, grpcPrefixLen, grpcPrefixLen+len(msg))
	if compressed {
		b[0] = 1
	}
	binary.BigEndian.PutUint32(b[1:], uint32(len(msg)))
	return append(b, msg...)
}

// GRPCMessage is one Length-Prefixed-Message as it arrived.
type GRPCMessage struct {
	// Compressed reports a Compressed-Flag of 1: Data is compressed with the
	// call's grpc-encoding.
	Compressed bool
	// Data is the Message, exactly as sent.
	Data []byte
}

// ExpectGRPCMessages expects DATA frames on streamID until they have carried
// n whole Length-Prefixed-Messages, and returns them with whether the last
// DATA frame read had END_STREAM. Message and frame boundaries need not line
// up (PROTOCOL-HTTP2.md: "DATA frame boundaries have no relation to
// Length-Prefixed-Message boundaries"): bytes of a further message in the
// last frame are kept for the next call on this stream. The test fails if
// the stream ends first, if another frame arrives, or if a Compressed-Flag is
// neither 0 nor 1.
func (p *Peer) ExpectGRPCMessages(streamID uint32, n int) (msgs []GRPCMessage, endStream bool) {
	p.T.Helper()
	buf := p.partial[streamID]
	for {
		for len(msgs) < n && len(buf) >= grpcPrefixLen {
			flag, length := buf[0], binary.BigEndian.Uint32(buf[1:grpcPrefixLen])
			if flag > 1 {
				p.fatalf("message %d on stream %d has Compressed-Flag %d; PROTOCOL-HTTP2.md allows only 0 or 1", len(msgs)+1, streamID, flag)
				return nil, false
			}
			if uint64(len(buf)-grpcPrefixLen) < uint64(length) {
				break
			}
			end := grpcPrefixLen + int(length)
			msgs = append(msgs, GRPCMessage{Compressed: flag == 1, Data: bytes.Clone(buf[grpcPrefixLen:end])})
			buf = buf[end:]
		}
		if len(msgs) == n {
			if endStream && len(buf) > 0 {
				p.fatalf("stream %d ended with %d bytes of an incomplete message after %d messages: % x", streamID, len(buf), n, head(buf))
				return nil, false
			}
			if len(buf) > 0 {
				p.partial[streamID] = buf
			} else {
				delete(p.partial, streamID)
			}
			return msgs, endStream
		}
		if endStream {
			p.fatalf("stream %d ended after %d of %d messages, with %d bytes of an incomplete one", streamID, len(msgs), n, len(buf))
			return nil, false
		}
		data, end, ok := p.expectData(streamID)
		if !ok {
			return nil, false
		}
		buf = append(buf, data...)
		endStream = end
	}
}

// ExpectGRPCMessage expects exactly one more message on streamID; see
// ExpectGRPCMessages.
func (p *Peer) ExpectGRPCMessage(streamID uint32) (msg GRPCMessage, endStream bool) {
	p.T.Helper()
	msgs, end := p.ExpectGRPCMessages(streamID, 1)
	if len(msgs) != 1 {
		return GRPCMessage{}, false
	}
	return msgs[0], end
}

// ExpectGRPCStatus expects the Trailers (or a Trailers-Only response) ending
// the call on streamID, checks that grpc-status is status, and returns them
// so the test can check grpc-message and metadata.
func (p *Peer) ExpectGRPCStatus(streamID uint32, status int) *Headers {
	p.T.Helper()
	h := p.ExpectHeaders(streamID, true)
	if h == nil {
		return nil
	}
	if got, want := h.Get(grpcStatusHeader), strconv.Itoa(status); !h.Has(grpcStatusHeader) || got != want {
		p.fatalf("expected %s %s on stream %d, got %s", grpcStatusHeader, want, streamID, describeStatus(h))
		return nil
	}
	return h
}

func describeStatus(h *Headers) string {
	if !h.Has(grpcStatusHeader) {
		return fmt.Sprintf("no %s in %s", grpcStatusHeader, formatFields(h.Fields))
	}
	return fmt.Sprintf("%s %q (%s %q)", grpcStatusHeader, h.Get(grpcStatusHeader), grpcMessageHeader, h.Get(grpcMessageHeader))
}

// ReadFrame returns *Headers among the x/net frame types.
var _ http2.Frame = (*Headers)(nil)
