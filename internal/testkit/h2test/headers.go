package h2test

import (
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Headers is one complete header block as the other side sent it: a HEADERS
// frame and the CONTINUATION frames that completed it (RFC 9113 §4.3),
// decoded with the Peer's own HPACK decoder. Fields are kept exactly as they
// arrived — order, case, duplicates and all — because checking them is what
// a frame-level test is for.
//
// Headers embeds a private copy of the first HEADERS frame, which makes
// *Headers an http2.Frame, so ReadFrame can return it among the other frames;
// that frame's HeaderBlockFragment is only the first fragment: use Fields.
type Headers struct {
	*http2.HeadersFrame

	// StreamID is the stream the block belongs to.
	StreamID uint32
	// EndStream reports the END_STREAM flag: set on trailers and on
	// Trailers-Only responses, and on requests without a body.
	EndStream bool
	// Fields are the decoded header fields in wire order.
	Fields []hpack.HeaderField
	// Continuations counts the CONTINUATION frames after the HEADERS frame.
	Continuations int
}

// Get returns the value of the first field named name, or "" if there is
// none. Names are compared exactly, as on the wire: HTTP/2 field names are
// lowercase (RFC 9113 §8.2.1), and a test should notice when they are not.
func (h *Headers) Get(name string) string {
	for _, f := range h.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every field named name, in wire order, for
// names that may repeat (custom metadata, for one).
func (h *Headers) Values(name string) []string {
	var vs []string
	for _, f := range h.Fields {
		if f.Name == name {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Has reports whether a field named name is present, which Get cannot tell
// apart from a present field with an empty value.
func (h *Headers) Has(name string) bool {
	for _, f := range h.Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Names returns every field name in wire order, duplicates included, so that
// a test can check ordering rules such as pseudo-header fields first
// (RFC 9113 §8.3) or the absence of unexpected fields.
func (h *Headers) Names() []string {
	names := make([]string, len(h.Fields))
	for i, f := range h.Fields {
		names[i] = f.Name
	}
	return names
}

// String renders the block as one line of the frame log.
func (h *Headers) String() string { return summarize(h) }
