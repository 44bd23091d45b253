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
	return order(Parse(trace), func(frames []Frame) []Frame {
		var sent, read []Frame
		for _, f := range frames {
			switch {
			case f.Stream != 0:
			case f.Sent:
				sent = append(sent, f)
			default:
				read = append(read, f)
			}
		}
		return append(sent, read...)
	})
}

// order writes frames connection by connection, in order of each one's
// first line: that line, then its stream-0 frames as stream0 orders them
// (it is given the connection's frames, its line excluded), then each other
// stream, in order of its first frame, with all its frames in the order
// they came, then the connection's notes.
func order(frames []Frame, stream0 func([]Frame) []Frame) string {
	var conns []int
	for _, f := range frames {
		if !slices.Contains(conns, f.Conn) {
			conns = append(conns, f.Conn)
		}
	}
	var b strings.Builder
	for _, c := range conns {
		var streams []uint32
		var own, notes []Frame
		for _, f := range frames {
			if f.Conn != c {
				continue
			}
			if f.Open {
				b.WriteString(f.Text)
				continue
			}
			if f.Note {
				notes = append(notes, f)
				continue
			}
			own = append(own, f)
			if f.Stream != 0 && !slices.Contains(streams, f.Stream) {
				streams = append(streams, f.Stream)
			}
		}
		for _, f := range stream0(own) {
			b.WriteString(f.Text)
		}
		for _, id := range streams {
			for _, f := range own {
				if f.Stream == id {
					b.WriteString(f.Text)
				}
			}
		}
		for _, f := range notes {
			b.WriteString(f.Text)
		}
	}
	return b.String()
}

// Causal is Canonical with each connection's stream-0 frames in the order a
// run most often prints them, an order in which every frame follows what it
// answers: the frames this side opens the connection with (its SETTINGS,
// WINDOW_UPDATE), then the peer's, then the peer's SETTINGS ACK, then this
// side's, then the connection's other frames (read, then written).
// Canonical's "written, then read" puts this side's SETTINGS ACK before the
// SETTINGS it acknowledges, which no run prints; documentation that shows a
// whole connection uses Causal.
//
// A side's opening frames are its stream-0 SETTINGS and WINDOW_UPDATE
// frames before its first SETTINGS ACK or frame of another stream, in the
// order that side's goroutine handled them, which does not vary.
func Causal(trace string) string {
	return order(Parse(trace), causalStream0)
}

// causalStream0 orders the stream-0 frames of one connection for Causal.
func causalStream0(frames []Frame) []Frame {
	opening := map[bool]bool{true: true, false: true} // by Sent: still opening
	var phases [6][]Frame
	for _, f := range frames {
		ack := isSettingsAck(f)
		if f.Stream != 0 || ack {
			opening[f.Sent] = false
		}
		if f.Stream != 0 {
			continue
		}
		var p int
		switch {
		case opening[f.Sent] && (f.Type == "SETTINGS" || f.Type == "WINDOW_UPDATE"):
			p = map[bool]int{true: 0, false: 1}[f.Sent]
		case ack:
			p = map[bool]int{false: 2, true: 3}[f.Sent]
		default:
			p = map[bool]int{false: 4, true: 5}[f.Sent]
		}
		phases[p] = append(phases[p], f)
	}
	var out []Frame
	for _, ph := range phases {
		out = append(out, ph...)
	}
	return out
}

// isSettingsAck reports whether f is a SETTINGS frame with the ACK flag.
func isSettingsAck(f Frame) bool {
	first, _, _ := strings.Cut(f.Text, "\n")
	return f.Type == "SETTINGS" && strings.Contains(first, " flags=ACK ")
}

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

// isFrame reports whether f is a frame, not a connection's line or note.
func (f Frame) isFrame() bool { return !f.Open && !f.Note }
