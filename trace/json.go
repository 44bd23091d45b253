package trace

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/wire"
)

// The JSON trace (JSONTo) is one object per line, in the order the text
// trace prints its lines, each with a "kind":
//
//	{"kind":"connection","conn":1,"client":"127.0.0.1:40000","server":"127.0.0.1:50051","traced_at":"proxy"}
//	{"kind":"frame","conn":1,"dir":"->","from":"client","type":"HEADERS","type_code":1,"stream":1,
//	 "flags":["END_HEADERS"],"flag_bits":4,"length":108,"role":"Request-Headers",
//	 "fields":[{"name":":method","value":"POST"}, ...],"line":"c1 -> HEADERS ...","detail":[":method = POST", ...]}
//	{"kind":"note","conn":1,"text":"the client closed its connection after sending 1234 bytes; ..."}
//
// Every object has "time" (RFC 3339, nanoseconds) unless OmitTimes, and a
// frame "elapsed" (seconds since the connection began) too. The members of
// a frame are those of jsonFrame below; "line" and "detail" are the text
// trace's line (without the time) and its detail lines (without the
// indent), so a tool can show exactly what the text shows.

// jsonConn is a connection's first object.
type jsonConn struct {
	Kind     string `json:"kind"` // "connection"
	Conn     int    `json:"conn"` // the connection's number, c1 is 1
	Time     string `json:"time,omitempty"`
	Client   string `json:"client"`    // the client's address
	Server   string `json:"server"`    // the server's address
	TracedAt string `json:"traced_at"` // "client", "server" or "proxy"
}

// jsonFrame is one frame.
type jsonFrame struct {
	Kind    string   `json:"kind"` // "frame"
	Conn    int      `json:"conn"`
	Time    string   `json:"time,omitempty"`
	Elapsed *float64 `json:"elapsed,omitempty"` // seconds since the connection began
	// Dir is "->" for frames the traced side wrote (at a proxy: the
	// client's), "<-" for those it read; From names the side that sent it.
	Dir  string `json:"dir"`
	From string `json:"from"` // "client" or "server"
	// The frame header: type by name (UNKNOWN_FRAME_TYPE_n for types RFC
	// 9113 does not define) and number, stream, flags by name and as bits,
	// payload length (with a header block's CONTINUATION frames).
	Type     string   `json:"type"`
	TypeCode uint8    `json:"type_code"`
	Stream   uint32   `json:"stream"`
	Flags    []string `json:"flags"`
	FlagBits uint8    `json:"flag_bits"`
	Length   uint32   `json:"length"`
	// Role is PROTOCOL-HTTP2.md's name for a header block
	// (Request-Headers, Response-Headers, Trailers, Trailers-Only) or EOS
	// for the request's last DATA frame.
	Role string `json:"role,omitempty"`

	// HEADERS: the fields as the text shows them (Custom-Metadata values
	// redacted unless ShowValues), and how many CONTINUATION frames the
	// block took.
	Fields        []jsonField `json:"fields,omitempty"`
	Continuations int         `json:"continuations,omitempty"`
	// DATA: the Length-Prefixed-Messages this frame completed, decoded.
	Messages []recMessage `json:"messages,omitempty"`
	// SETTINGS.
	Settings []jsonSetting `json:"settings,omitempty"`
	// RST_STREAM and GOAWAY: the error code's name; GOAWAY's last stream id
	// and debug data.
	Code       string  `json:"code,omitempty"`
	LastStream *uint32 `json:"last_stream,omitempty"`
	Debug      string  `json:"debug,omitempty"`
	// WINDOW_UPDATE.
	Increment *uint32 `json:"increment,omitempty"`
	// PING: the 8 bytes of opaque data, in hex.
	Ping string `json:"ping,omitempty"`
	// Problem is what a passive follower found wrong with the frame.
	Problem string `json:"problem,omitempty"`

	Line   string   `json:"line"`
	Detail []string `json:"detail"`
}

// jsonField is a header field.
type jsonField struct {
	Name     string `json:"name"`
	Value    string `json:"value"`             // as the text shows it
	Comment  string `json:"comment,omitempty"` // the code's name of grpc-status, a grpc-timeout's duration, ...
	Redacted bool   `json:"redacted,omitempty"`
}

// jsonSetting is a SETTINGS parameter.
type jsonSetting struct {
	Name  string `json:"name"`
	ID    uint16 `json:"id"`
	Value uint32 `json:"value"`
}

// jsonNote is a note on a connection (ConnTrace.Note).
type jsonNote struct {
	Kind string `json:"kind"` // "note"
	Conn int    `json:"conn"`
	Time string `json:"time,omitempty"`
	Text string `json:"text"`
}

// jsonOutput writes the JSON trace.
type jsonOutput struct {
	enc *json.Encoder
	cfg *config
}

func newJSONOutput(w io.Writer, cfg *config) *jsonOutput {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonOutput{enc: enc, cfg: cfg}
}

// timeOf is an object's time, or "" when times are left out.
func (o *jsonOutput) timeOf(at time.Time) string {
	if o.cfg.omitTimes {
		return ""
	}
	return at.Format(time.RFC3339Nano)
}

// write encodes one object on its line; like the text trace, it ignores
// a failing writer.
func (o *jsonOutput) write(v any) { _ = o.enc.Encode(v) }

func (o *jsonOutput) conn(c *ConnTrace, at time.Time, clientAddr, serverAddr string) {
	o.write(&jsonConn{Kind: "connection", Conn: c.id, Time: o.timeOf(at), Client: clientAddr, Server: serverAddr, TracedAt: c.side.String()})
}

func (o *jsonOutput) note(c *ConnTrace, at time.Time, text string) {
	o.write(&jsonNote{Kind: "note", Conn: c.id, Time: o.timeOf(at), Text: text})
}

func (o *jsonOutput) close() error { return nil }

func (o *jsonOutput) frame(c *ConnTrace, r *record) {
	ev, h := r.ev, r.ev.Header
	f := &jsonFrame{
		Kind: "frame", Conn: c.id, Time: o.timeOf(ev.Time),
		Dir: "<-", From: c.senderOf(ev.Sent),
		Type: h.Type.String(), TypeCode: uint8(h.Type), Stream: h.StreamID,
		Flags: flagList(h.Type, h.Flags), FlagBits: uint8(h.Flags), Length: h.Length,
		Role:    r.role,
		Problem: ev.Problem,
		Line:    r.line(), Detail: r.details(),
	}
	if ev.Sent {
		f.Dir = "->"
	}
	if !o.cfg.omitTimes {
		e := ev.Time.Sub(c.start).Seconds()
		f.Elapsed = &e
	}
	switch h.Type {
	case http2.FrameHeaders:
		f.Continuations = ev.Continuations
		for _, hf := range ev.Fields {
			value, comment := c.fieldText(hf)
			f.Fields = append(f.Fields, jsonField{Name: hf.Name, Value: value, Comment: comment, Redacted: c.redacts(hf.Name)})
		}
	case http2.FrameData:
		f.Messages = r.messages
	case http2.FrameSettings:
		for _, s := range ev.Settings {
			f.Settings = append(f.Settings, jsonSetting{Name: s.ID.String(), ID: uint16(s.ID), Value: s.Val})
		}
	case http2.FrameRSTStream:
		f.Code = errCodeName(ev.ErrCode)
	case http2.FrameGoAway:
		f.Code = errCodeName(ev.ErrCode)
		last := ev.LastStreamID
		f.LastStream = &last
		f.Debug = string(ev.DebugData)
	case http2.FrameWindowUpdate:
		inc := ev.Increment
		f.Increment = &inc
	case http2.FramePing:
		f.Ping = hex.EncodeToString(ev.Ping[:])
	}
	o.write(f)
}

// flagList names the flags set in f for a frame of type t, as the text
// trace prints them; a bit the type does not define is "0x.." of the
// remaining bits.
func flagList(t http2.FrameType, f http2.Flags) []string {
	out := []string{}
	for _, fl := range flagNames[t] {
		if f.Has(fl.bit) {
			out = append(out, fl.name)
			f &^= fl.bit
		}
	}
	if f != 0 {
		out = append(out, fmt.Sprintf("0x%02x", uint8(f)))
	}
	return out
}

// senderOf names the side that sent a frame observed with sent.
func (c *ConnTrace) senderOf(sent bool) string {
	if sent == (c.side != Server) {
		return "client"
	}
	return "server"
}

// redacts reports whether the trace hides the value of the header field
// called name: Custom-Metadata, unless ShowValues.
func (c *ConnTrace) redacts(name string) bool {
	return !c.t.cfg.showValues && !wire.IsReservedHeader(name)
}
