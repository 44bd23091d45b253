package check

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	"grpcwire/cmd/grpcwire/internal/rawh2"
	"grpcwire/wire"
)

// userAgent is what the checks send as user-agent, so that a server's
// logs tell them from calls.
const userAgent = "grpcwire-check/" + wire.Version

// hpackField is a header field.
type hpackField = hpack.HeaderField

// afterPseudo returns h with fields inserted right after its pseudo-header
// fields, where the spec wants grpc-timeout: "implementations should send
// Timeout immediately after the reserved headers".
func afterPseudo(h []hpack.HeaderField, fields ...hpack.HeaderField) []hpack.HeaderField {
	i := 0
	for i < len(h) && strings.HasPrefix(h[i].Name, ":") {
		i++
	}
	out := append([]hpack.HeaderField(nil), h[:i]...)
	out = append(out, fields...)
	return append(out, h[i:]...)
}

// hf is a header field.
func hf(name, value string) hpack.HeaderField {
	return hpack.HeaderField{Name: name, Value: value}
}

// requestHeaders are well-formed Request-Headers for path, in the spec's
// order, followed by extra.
func (t *T) requestHeaders(path string, extra ...hpack.HeaderField) []hpack.HeaderField {
	scheme := "http"
	if t.cfg.TLS != nil {
		scheme = "https"
	}
	authority := t.cfg.Authority
	if authority == "" {
		authority = t.cfg.Addr
	}
	h := []hpack.HeaderField{
		hf(":method", "POST"),
		hf(":scheme", scheme),
		hf(":path", path),
		hf(":authority", authority),
		hf("content-type", "application/grpc"),
		hf("te", "trailers"),
		hf("user-agent", userAgent),
	}
	return append(h, extra...)
}

// without returns h without the fields named name.
func without(h []hpack.HeaderField, name string) []hpack.HeaderField {
	var out []hpack.HeaderField
	for _, f := range h {
		if f.Name != name {
			out = append(out, f)
		}
	}
	return out
}

// replace returns h with the value of the field named name set to value
// (appended when absent).
func replace(h []hpack.HeaderField, name, value string) []hpack.HeaderField {
	out := append([]hpack.HeaderField(nil), h...)
	for i := range out {
		if out[i].Name == name {
			out[i].Value = value
			return out
		}
	}
	return append(out, hf(name, value))
}

// frame returns msg as a Length-Prefixed-Message with the given flag.
func frame(flag byte, msg []byte) []byte {
	b := make([]byte, 5+len(msg))
	b[0] = flag
	binary.BigEndian.PutUint32(b[1:5], uint32(len(msg)))
	copy(b[5:], msg)
	return b
}

// marshal encodes m, which the checks build themselves, so it cannot fail.
func marshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// call writes Request-Headers, then body (already framed) and EOS, on a new
// stream of c, and reads the response.
func call(c *rawh2.Conn, headers []hpack.HeaderField, body []byte) *rawh2.Response {
	id := c.NewStreamID()
	if err := c.WriteHeaders(id, headers, false); err != nil {
		return &rawh2.Response{StreamID: id, Err: err}
	}
	if err := c.WriteData(id, body, true); err != nil && err != rawh2.ErrStreamEnded {
		return &rawh2.Response{StreamID: id, Err: err}
	}
	return c.ReadResponse(id)
}

// answer is a gRPC reading of a stream's response.
type answer struct {
	r *rawh2.Response
	// HTTPStatus is :status of the first header block.
	HTTPStatus string
	// ContentType is the first block's content-type.
	ContentType string
	// HasStatus is true when the block that ended the stream carried
	// grpc-status; StatusRaw is its value, Code its number when it parses.
	HasStatus bool
	StatusRaw string
	Code      wire.Code
	CodeOK    bool
	// MessageRaw is grpc-message as sent; Message its percent-decoding
	// (lenient: broken escapes are kept as they are).
	MessageRaw string
	Message    string
	// Messages are the Length-Prefixed-Messages of the DATA frames;
	// MessagesErr says what was wrong with them.
	Messages    []lpm
	MessagesErr error
}

// read interprets r as gRPC.
func read(r *rawh2.Response) *answer {
	a := &answer{r: r}
	h := r.Headers()
	a.HTTPStatus, _ = rawh2.Field(h, ":status")
	a.ContentType, _ = rawh2.Field(h, "content-type")
	if tr := r.Trailers(); tr != nil {
		a.StatusRaw, a.HasStatus = rawh2.Field(tr, "grpc-status")
		if a.HasStatus {
			a.Code, a.CodeOK = parseStatus(a.StatusRaw)
		}
		a.MessageRaw, _ = rawh2.Field(tr, "grpc-message")
		a.Message = percentDecodeLenient(a.MessageRaw)
	}
	a.Messages, a.MessagesErr = parseMessages(r.Data)
	return a
}

// parseStatus parses grpc-status strictly: "Status → "grpc-status"
// 1*DIGIT", "without any leading zeros".
func parseStatus(s string) (wire.Code, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return wire.Code(n), true
}

// is reports whether the call ended with grpc-status code.
func (a *answer) is(code wire.Code) bool {
	return a.HasStatus && a.CodeOK && a.Code == code
}

// served reports whether the call succeeded: HTTP 200, grpc-status 0.
func (a *answer) served() bool {
	return a.r.Err == nil && !a.r.Reset && a.HTTPStatus == "200" && a.is(wire.OK)
}

// String describes the answer in a few words, for a check's "got".
func (a *answer) String() string {
	r := a.r
	var parts []string
	if r.Err != nil && len(r.Frames) == 0 && !r.Reset {
		return "no answer: " + r.Err.Error()
	}
	if r.GoAway != nil {
		return "GOAWAY " + r.GoAway.String() + " (the stream was not processed)"
	}
	if len(r.Blocks) > 0 {
		if a.HTTPStatus != "200" {
			parts = append(parts, "HTTP "+a.HTTPStatus)
		}
	}
	switch {
	case a.HasStatus && a.CodeOK:
		s := fmt.Sprintf("grpc-status %d %v", a.Code, a.Code)
		if a.MessageRaw != "" {
			s += fmt.Sprintf(" %q", clip(a.Message, 100))
		}
		parts = append(parts, s)
	case a.HasStatus:
		parts = append(parts, fmt.Sprintf("grpc-status %q (not a status)", a.StatusRaw))
	case r.Ended:
		parts = append(parts, "no grpc-status")
	}
	if r.Ended && r.TrailersOnly() {
		parts = append(parts, "as Trailers-Only")
	}
	if r.DataFrames > 0 {
		parts = append(parts, fmt.Sprintf("messages: %d in %d DATA frames", len(a.Messages), r.DataFrames))
	}
	if r.Reset {
		parts = append(parts, fmt.Sprintf("RST_STREAM %v", r.ResetCode))
	}
	if r.Err != nil {
		parts = append(parts, "then "+r.Err.Error())
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// clip shortens s for a one-line message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// expectCode is the outcome of a check that wants the call to end with
// code, as Trailers or Trailers-Only.
func expectCode(a *answer, code wire.Code, what string) Outcome {
	if a.is(code) {
		return pass("")
	}
	return fail(fmt.Sprintf("grpc-status %d %v (%s)", code, code, what), a.String())
}
