package trace

import (
	"errors"
	"fmt"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"grpcwire/framing"
	"grpcwire/internal/pbtext"
	"grpcwire/observe"
	"grpcwire/wire"
)

// stream is what the trace remembers of one stream to find the
// Length-Prefixed-Messages in its DATA frames: "DATA frame boundaries have
// no relation to Length-Prefixed-Message boundaries" (PROTOCOL-HTTP2.md),
// so each direction is reassembled on its own.
type stream struct {
	method   string                   // the :path, once seen
	req, res protoreflect.MessageType // the method's message types; nil if unknown
	why      string                   // why the types are unknown, for the reader
	flows    [2]flow                  // indexed by flowIndex(sent)
}

// flowIndex is the index in stream.flows of the frames read (0) or written (1).
func flowIndex(sent bool) int {
	if sent {
		return 1
	}
	return 0
}

// flow is the reassembly state of one direction of a stream.
type flow struct {
	encoding string // grpc-encoding of this direction's headers
	ended    bool   // END_STREAM seen
	broken   bool   // an invalid Compressed-Flag: the rest cannot be parsed

	prefix  [framing.PrefixLen]byte // a prefix split across DATA frames
	nprefix int                     // bytes of it so far

	inMsg bool           // inside a message's bytes
	pfx   framing.Prefix // that message's prefix
	got   uint32         // message bytes seen so far
	keep  bool           // whether the message is small enough to decode
	body  []byte         // the message bytes kept for decoding
}

// maxKeptBody is the largest message buffer a flow keeps for the next
// message; a bigger one is released once its message is printed.
const maxKeptBody = 4 << 10

// stream returns the state of stream id, creating it when the connection
// follows fewer than DefaultMaxStreams streams; nil when it cannot be
// followed.
func (c *ConnTrace) stream(id uint32) *stream {
	if st, ok := c.streams[id]; ok {
		return st
	}
	if len(c.streams) >= DefaultMaxStreams {
		return nil
	}
	st := &stream{}
	c.streams[id] = st
	return st
}

// endStream forgets a stream that has ended (both directions ended, or it
// was reset).
func (c *ConnTrace) endStream(id uint32) {
	delete(c.streams, id)
}

// isRequest reports whether frames going this way carry requests: gRPC's
// requests flow from the client to the server.
func (c *ConnTrace) isRequest(sent bool) bool {
	// At a proxy, as at the client, "->" is the client's.
	return sent == (c.side != Server)
}

// noteHeaders records what a HEADERS frame says about the stream's messages:
// the :path names the method and so the message types, grpc-encoding the
// codec of the compressed messages going the same way. END_STREAM ends that
// direction.
func (c *ConnTrace) noteHeaders(id uint32, sent bool, fields []hpack.HeaderField, endStream bool, d *detail) {
	if id == 0 {
		return
	}
	st := c.stream(id)
	if st == nil {
		return
	}
	f := &st.flows[flowIndex(sent)]
	for _, hf := range fields {
		switch hf.Name {
		case wire.HeaderPath:
			if st.method == "" {
				st.method = hf.Value
				st.req, st.res, st.why = c.t.cfg.resolveMethod(hf.Value)
			}
		case wire.HeaderEncoding:
			f.encoding = hf.Value
		}
	}
	if endStream {
		c.endFlow(d, id, st, sent)
	}
}

// endFlow marks one direction of a stream ended, says so when it ended
// inside a message, and forgets the stream once both directions ended.
func (c *ConnTrace) endFlow(d *detail, id uint32, st *stream, sent bool) {
	f := &st.flows[flowIndex(sent)]
	switch {
	case f.inMsg:
		d.linef(0, "(the stream ended inside a Length-Prefixed-Message: %d of its %d bytes came)", f.got, f.pfx.Length)
	case f.nprefix > 0:
		d.linef(0, "(the stream ended inside a Length-Prefixed-Message prefix: %d of its %d bytes came)", f.nprefix, framing.PrefixLen)
	}
	*f = flow{ended: true}
	if st.flows[0].ended && st.flows[1].ended {
		c.endStream(id)
	}
}

// data prints the Length-Prefixed-Messages found in a DATA frame.
func (c *ConnTrace) data(b []byte, d *detail, ev *observe.FrameEvent) []byte {
	id := ev.Header.StreamID
	endStream := ev.Header.Flags.Has(http2.FlagDataEndStream)
	request := c.isRequest(ev.Sent)
	if endStream && request {
		// "For requests, EOS (end-of-stream) is indicated by the presence of
		// the END_STREAM flag on the last received DATA frame."
		b = append(b, "  # EOS"...)
		d.rec.setRole(roleEOS)
	}
	if id == 0 {
		return b
	}
	st := c.stream(id)
	if st == nil {
		if len(ev.Data) > 0 {
			d.linef(0, "(messages not decoded: the trace follows at most %d streams of a connection at once)", DefaultMaxStreams)
		}
		return b
	}
	mt := st.res
	if request {
		mt = st.req
	}
	c.parse(d, st, &st.flows[flowIndex(ev.Sent)], ev.Data, mt)
	if endStream {
		c.endFlow(d, id, st, ev.Sent)
	}
	return b
}

// parse walks the bytes of one DATA frame through a direction's reassembly
// state, printing a line for each message or piece of one, and the message
// itself once all of it has come.
func (c *ConnTrace) parse(d *detail, st *stream, f *flow, p []byte, mt protoreflect.MessageType) {
	if f.broken {
		if len(p) > 0 {
			d.linef(0, "(not parsed: an invalid Compressed-Flag broke this direction's framing)")
		}
		return
	}
	max := c.t.cfg.maxMessage
	for len(p) > 0 {
		started := false
		if !f.inMsg {
			n := copy(f.prefix[f.nprefix:], p)
			f.nprefix += n
			p = p[n:]
			if f.nprefix < framing.PrefixLen {
				d.linef(0, "%d of the %d bytes of a Length-Prefixed-Message prefix; the rest follows", f.nprefix, framing.PrefixLen)
				return
			}
			f.nprefix = 0
			f.pfx, _ = framing.ParsePrefix(f.prefix[:])
			if !f.pfx.Valid() {
				d.linef(0, "Length-Prefixed-Message Compressed-Flag=%d Message-Length=%d  # invalid Compressed-Flag: only 0 and 1 are defined, so the rest of this direction is not parsed",
					f.pfx.Flag, f.pfx.Length)
				f.broken = true
				return
			}
			f.inMsg, f.got, f.body = true, 0, f.body[:0]
			f.keep = max > 0 && int64(f.pfx.Length) <= int64(max)
			started = true
		}
		d.rec.piece()
		take := min(uint64(len(p)), uint64(f.pfx.Length-f.got))
		if f.keep {
			f.body = append(f.body, p[:take]...)
		}
		p = p[take:]
		f.got += uint32(take)
		done := f.got == f.pfx.Length
		switch {
		case started:
			head := fmt.Sprintf("Length-Prefixed-Message Compressed-Flag=%d Message-Length=%d", f.pfx.Flag, f.pfx.Length)
			if mt != nil {
				head += " " + string(mt.Descriptor().FullName())
			}
			if !done {
				head += fmt.Sprintf("  # %d bytes here, the rest follows", take)
			}
			d.linef(0, "%s", head)
		case done:
			d.linef(0, "... the last %d bytes of the message (%d of %d)", take, f.got, f.pfx.Length)
		default:
			d.linef(0, "... %d more bytes of the message (%d of %d)", take, f.got, f.pfx.Length)
		}
		if done {
			f.inMsg = false
			d.rec.message(f.pfx, mt, len(d.b))
			c.decode(d, st, f, mt)
			d.rec.messageEnd(d)
			if cap(f.body) > maxKeptBody {
				f.body = nil
			}
		}
	}
}

// decode prints a whole message in protobuf text format, or says why it
// cannot.
func (c *ConnTrace) decode(d *detail, st *stream, f *flow, mt protoreflect.MessageType) {
	max := c.t.cfg.maxMessage
	if max <= 0 {
		return
	}
	if mt == nil {
		d.linef(1, "(not decoded: %s)", st.why)
		showBytes(d, f)
		return
	}
	if !f.keep {
		d.linef(1, "(not decoded: %d bytes is over the trace's limit of %d; trace.MaxMessageSize raises it)", f.pfx.Length, max)
		return
	}
	body := f.body
	if f.pfx.Compressed() {
		enc := f.encoding
		if enc == "" || enc == "identity" {
			d.linef(1, "(not decoded: Compressed-Flag is 1 but the stream's headers name no grpc-encoding)")
			return
		}
		codec := framing.Lookup(enc)
		if codec == nil {
			d.linef(1, "(not decoded: this program has no codec for grpc-encoding %q)", enc)
			return
		}
		out, err := codec.AppendDecompressed(nil, body, max)
		if err != nil {
			if tl := (*framing.TooLargeError)(nil); errors.As(err, &tl) {
				d.linef(1, "(not decoded: over the trace's limit of %d bytes once decompressed; trace.MaxMessageSize raises it)", max)
			} else {
				d.linef(1, "(not decoded: cannot decompress it with %s: %v)", enc, err)
			}
			return
		}
		d.linef(1, "(decompressed with %s: %d bytes)", enc, len(out))
		body = out
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(body, m); err != nil {
		d.linef(1, "(not a valid %s: %v)", mt.Descriptor().FullName(), err)
		return
	}
	text := pbtext.Format(m)
	d.rec.decoded(text)
	if text == "" {
		d.linef(1, "(every field has its default value)")
		return
	}
	d.lines(1, text)
}

// maxShownBytes is how many bytes of a message of an unknown type the trace
// shows: 64, four lines' worth in hex, enough to recognise a small message
// or a text payload.
const maxShownBytes = 64

// showBytes shows the start of a message the trace cannot decode, in hex.
func showBytes(d *detail, f *flow) {
	if !f.keep || len(f.body) == 0 {
		return
	}
	what := "bytes"
	if f.pfx.Compressed() {
		what = "compressed bytes"
	}
	if len(f.body) > maxShownBytes {
		d.linef(1, "the first %d of its %d %s: % x ...", maxShownBytes, len(f.body), what, f.body[:maxShownBytes])
		return
	}
	d.linef(1, "its %d %s: % x", len(f.body), what, f.body)
}
