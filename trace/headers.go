package trace

import (
	"fmt"
	"strconv"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/observe"
	"grpcwire/wire"
)

// The names PROTOCOL-HTTP2.md gives to the header blocks of a call, printed
// after a HEADERS frame's line so that the trace reads beside the spec:
//
//	Request  → Request-Headers *Length-Prefixed-Message EOS
//	Response → (Response-Headers *Length-Prefixed-Message Trailers) / Trailers-Only
const (
	roleRequestHeaders  = "Request-Headers"
	roleResponseHeaders = "Response-Headers"
	roleTrailers        = "Trailers"
	roleTrailersOnly    = "Trailers-Only"
)

// headerRole names what a header block is by its fields and END_STREAM:
// a request has :path; a response begins with :status and, when it also
// ends the stream, is Trailers-Only ("HTTP-Status Content-Type Trailers");
// a block without pseudo-headers that ends the stream is Trailers. It
// returns "" for a block that is none of these, which a conforming peer
// does not send.
func headerRole(fields []hpack.HeaderField, endStream bool) string {
	var path, status bool
	for _, f := range fields {
		switch f.Name {
		case wire.HeaderPath:
			path = true
		case wire.HeaderStatus:
			status = true
		}
	}
	switch {
	case path:
		return roleRequestHeaders
	case status && endStream:
		return roleTrailersOnly
	case status:
		return roleResponseHeaders
	case endStream:
		return roleTrailers
	}
	return ""
}

// headers prints a HEADERS frame's role and decoded fields, and tells the
// stream's reassembly state what the block says about its messages.
func (c *ConnTrace) headers(b []byte, d *detail, ev *observe.FrameEvent) []byte {
	endStream := ev.Header.Flags.Has(http2.FlagHeadersEndStream)
	if ev.Continuations > 0 {
		b = fmt.Appendf(b, " (with %d CONTINUATION)", ev.Continuations)
	}
	if role := headerRole(ev.Fields, endStream); role != "" {
		b = append(b, "  # "...)
		b = append(b, role...)
		d.rec.setRole(role)
	}
	for _, f := range ev.Fields {
		value, comment := c.fieldText(f)
		if comment != "" {
			d.linef(0, "%s = %s  # %s", f.Name, value, comment)
		} else {
			d.linef(0, "%s = %s", f.Name, value)
		}
	}
	c.noteHeaders(ev.Header.StreamID, ev.Sent, ev.Fields, endStream, d)
	return b
}

// fieldText returns how one header field's value is shown, and a comment
// that explains it. Custom-Metadata values are redacted unless the Tracer
// shows values; the protocol's own fields are always shown, since they are
// what the trace is for.
func (c *ConnTrace) fieldText(f hpack.HeaderField) (value, comment string) {
	if !wire.IsReservedHeader(f.Name) && !c.t.cfg.showValues {
		return fmt.Sprintf("<redacted, %d bytes>", len(f.Value)), ""
	}
	value = quoteIfNeeded(f.Value)
	switch f.Name {
	case wire.HeaderGRPCStatus:
		comment = wire.ParseCode(f.Value).String()
	case wire.HeaderTimeout:
		if d, err := wire.ParseTimeout(f.Value); err == nil {
			comment = d.String()
		} else {
			comment = "not a valid grpc-timeout"
		}
	case wire.HeaderGRPCMessage:
		if dec := wire.DecodeMessage(f.Value); dec != f.Value {
			comment = strconv.Quote(dec)
		}
	}
	return value, comment
}

// quoteIfNeeded returns s as it is when it is printable ASCII without
// surrounding spaces, which is every value a conforming peer sends (binary
// values included, being base64), and Go-quoted otherwise, so that odd bytes
// and empty values are visible.
func quoteIfNeeded(s string) string {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return strconv.Quote(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strconv.Quote(s)
		}
	}
	return s
}
