// Package tracetest takes apart the text of a frame trace (package trace), so
// that tests and documentation can compare traces exactly.
//
// A connection's reader and writer goroutines run at the same time, so frames
// that are not causally ordered come out in either order from run to run:
// this side's SETTINGS ACK and the peer's, a WINDOW_UPDATE and a HEADERS on
// another stream. Within one stream a gRPC call is causal (request headers,
// messages and EOS, then response headers, messages and trailers), and each
// direction of stream 0 keeps the order its writer gave it. Canonical
// reorders a trace along those lines, which makes the trace of a call the
// same text on every run once times are left out.
package tracetest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Frame is one frame of a trace: its line and indented detail, without the
// elapsed time.
type Frame struct {
	// Conn is the connection's number in the trace (c1 is 1).
	Conn int
	// Open is true for a connection's first line, which is not a frame.
	Open bool
	// Note is true for a note on the connection (ConnTrace.Note), which
	// is not a frame either.
	Note bool
	// Sent is true for frames written by the traced side ("->").
	Sent bool
	// Type is the frame type as printed ("HEADERS").
	Type string
	// Stream is the frame's stream id.
	Stream uint32
	// Text is the frame's line and detail, each line ending in a newline.
	Text string
}

// timePrefix matches the elapsed time that starts a line unless times are
// omitted.
var timePrefix = regexp.MustCompile(`^\+[0-9]+\.[0-9]+s  `)

// frameLine matches the start of a frame's line, after the time.
var frameLine = regexp.MustCompile(`^c([0-9]+) (->|<-) (\S+)\s+stream=([0-9]+)`)

// openLine matches a connection's first line, after the time.
var openLine = regexp.MustCompile(`^c([0-9]+) connection: `)

// noteLine matches a note on a connection, after the time.
var noteLine = regexp.MustCompile(`^c([0-9]+) note: `)

// StripTimes removes the elapsed time from every line of a trace, and the
// indent it adds to the detail lines.
func StripTimes(trace string) string {
	var b strings.Builder
	width := 0
	for line := range strings.Lines(trace) {
		if m := timePrefix.FindString(line); m != "" {
			width = len(m)
			b.WriteString(line[width:])
			continue
		}
		if width > 0 && strings.HasPrefix(line, strings.Repeat(" ", width)) {
			line = line[width:]
		}
		b.WriteString(line)
	}
	return b.String()
}

// Parse splits a trace into its frames and connection lines, in order.
// Lines it does not recognise as the start of one (a program's own output
// mixed into the trace) are dropped; detail lines belong to the frame above.
func Parse(trace string) []Frame {
	var frames []Frame
	var cur *Frame
	for line := range strings.Lines(StripTimes(trace)) {
		if strings.HasPrefix(line, " ") {
			if cur != nil {
				cur.Text += line
			}
			continue
		}
		cur = nil
		if m := frameLine.FindStringSubmatch(line); m != nil {
			conn, _ := strconv.Atoi(m[1])
			id, _ := strconv.ParseUint(m[4], 10, 32)
			frames = append(frames, Frame{Conn: conn, Sent: m[2] == "->", Type: m[3], Stream: uint32(id), Text: line})
			cur = &frames[len(frames)-1]
		} else if m := openLine.FindStringSubmatch(line); m != nil {
			conn, _ := strconv.Atoi(m[1])
			frames = append(frames, Frame{Conn: conn, Open: true, Text: line})
			cur = &frames[len(frames)-1]
		} else if m := noteLine.FindStringSubmatch(line); m != nil {
			conn, _ := strconv.Atoi(m[1])
			frames = append(frames, Frame{Conn: conn, Note: true, Text: line})
		}
	}
	return frames
}

// Canonical returns a trace without times and in an order that does not
// depend on goroutine scheduling: for each connection in order of its first
// line, that line, then its stream-0 frames written, then those read, then
// each other stream, in order of its first frame, with all its frames in
// the order they came, then the connection's notes.
func Canonical(trace string) string {
	frames := Parse(trace)
	var conns []int
	for _, f := range frames {
		if !slices.Contains(conns, f.Conn) {
			conns = append(conns, f.Conn)
		}
	}
	var b strings.Builder
	for _, c := range conns {
		var streams []uint32
		for _, f := range frames {
			if f.Conn == c && f.isFrame() && f.Stream != 0 && !slices.Contains(streams, f.Stream) {
				streams = append(streams, f.Stream)
			}
		}
		emit := func(keep func(Frame) bool) {
			for _, f := range frames {
				if f.Conn == c && keep(f) {
					b.WriteString(f.Text)
				}
			}
		}
		emit(func(f Frame) bool { return f.Open })
		emit(func(f Frame) bool { return f.isFrame() && f.Stream == 0 && f.Sent })
		emit(func(f Frame) bool { return f.isFrame() && f.Stream == 0 && !f.Sent })
		for _, id := range streams {
			emit(func(f Frame) bool { return f.isFrame() && f.Stream == id })
		}
		emit(func(f Frame) bool { return f.Note })
	}
	return b.String()
}

// isFrame reports whether f is a frame, not a connection's line or note.
func (f Frame) isFrame() bool { return !f.Open && !f.Note }

// Stream returns the frames of one stream of one connection, in order,
// without times.
func Stream(trace string, conn int, id uint32) string {
	var b strings.Builder
	for _, f := range Parse(trace) {
		if f.Conn == conn && f.isFrame() && f.Stream == id {
			b.WriteString(f.Text)
		}
	}
	return b.String()
}
