package trace

import (
	"bytes"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"grpcwire/framing"
	"grpcwire/observe"
)

// roleEOS is what PROTOCOL-HTTP2.md calls END_STREAM on the request's last
// DATA frame: "For requests, EOS (end-of-stream) is indicated by the
// presence of the END_STREAM flag on the last received DATA frame."
const roleEOS = "EOS"

// roleMessage names a DATA frame carrying (part of) a message: the spec's
// Length-Prefixed-Message.
const roleMessage = "Length-Prefixed-Message"

// An output is a structured form of the trace (JSON, HTML) written beside
// the text one. Its methods are called with the Tracer's lock held, in the
// order things happened, so an output needs no lock of its own.
type output interface {
	// conn starts a connection, numbered c.id.
	conn(c *ConnTrace, at time.Time, clientAddr, serverAddr string)
	// frame writes one frame: r.text holds its text, r the rest.
	frame(c *ConnTrace, r *record)
	// note writes a note on a connection.
	note(c *ConnTrace, at time.Time, text string)
	// close ends the output.
	close() error
}

// record is one frame as the structured outputs see it: the event, the text
// the text trace prints for it, and what the formatter found while making
// that text (the role, the messages), so that every output says the same.
// The Tracer keeps one and resets it for each frame.
type record struct {
	ev       *observe.FrameEvent
	text     []byte // the frame's text: its line, then its indented detail
	lineEnd  int    // where the line ends in text, after its newline
	indent   int    // how many spaces indent the detail lines
	role     string // Request-Headers, Response-Headers, Trailers, Trailers-Only, EOS or ""
	pieces   int    // Length-Prefixed-Message pieces in this DATA frame
	messages []recMessage
	cur      int // index in messages of the one being decoded
	curStart int // where its decoded text starts in the detail
}

// recMessage is a Length-Prefixed-Message that a frame completed.
type recMessage struct {
	Flag    uint8  `json:"compressed_flag"`
	Length  uint32 `json:"length"`
	Type    string `json:"type,omitempty"`
	Decoded bool   `json:"decoded"`
	// Text is the message in protobuf text format when Decoded (empty for
	// a message whose fields all have their default values), and the
	// reason it was not otherwise.
	Text string `json:"text"`
}

// reset starts the record of ev.
func (r *record) reset(ev *observe.FrameEvent) {
	*r = record{ev: ev, messages: r.messages[:0]}
}

// setRole records the spec's name for what the frame carries.
func (r *record) setRole(role string) {
	if r != nil {
		r.role = role
	}
}

// piece records that the DATA frame holds (part of) a message.
func (r *record) piece() {
	if r != nil {
		r.pieces++
	}
}

// message records a message completed by this frame, whose decoded text
// (or reason) the detail gets from offset start on.
func (r *record) message(pfx framing.Prefix, mt protoreflect.MessageType, start int) {
	if r == nil {
		return
	}
	m := recMessage{Flag: pfx.Flag, Length: pfx.Length}
	if mt != nil {
		m.Type = string(mt.Descriptor().FullName())
	}
	r.messages = append(r.messages, m)
	r.cur, r.curStart = len(r.messages)-1, start
}

// decoded marks the current message decoded, with its text.
func (r *record) decoded(text string) {
	if r != nil {
		r.messages[r.cur].Decoded = true
		r.messages[r.cur].Text = text
	}
}

// messageEnd takes the reason a message was not decoded from the lines
// decode wrote.
func (r *record) messageEnd(d *detail) {
	if r == nil || r.messages[r.cur].Decoded {
		return
	}
	var b strings.Builder
	for line := range strings.Lines(string(d.b[r.curStart:])) {
		b.WriteString(strings.TrimLeft(line, " "))
	}
	r.messages[r.cur].Text = strings.TrimSuffix(b.String(), "\n")
}

// line returns the frame's line without the elapsed time and newline.
func (r *record) line() string {
	l := r.text[:r.lineEnd-1]
	if l[0] == '+' {
		// "+0.000412s  c1 -> ...": the time ends at the two spaces.
		if i := bytes.Index(l, []byte("  ")); i >= 0 {
			l = l[i+2:]
		}
	}
	return string(l)
}

// details returns the frame's detail lines, without the indent the text
// trace gives them (the deeper levels keep theirs).
func (r *record) details() []string {
	out := []string{}
	for l := range bytes.Lines(r.text[r.lineEnd:]) {
		l = bytes.TrimSuffix(l, []byte("\n"))
		if len(l) >= r.indent {
			l = l[r.indent:]
		}
		out = append(out, string(l))
	}
	return out
}

// roles returns the spec's names for what the frame carries, for the
// outputs that label frames: the header block's role, or for a DATA frame
// Length-Prefixed-Message when it holds one (or part of one) and EOS when
// it ends the request.
func (r *record) roles() []string {
	var out []string
	if r.pieces > 0 {
		out = append(out, roleMessage)
	}
	if r.role != "" {
		out = append(out, r.role)
	}
	return out
}
