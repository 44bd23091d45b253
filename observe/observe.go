// Package observe is the frame observer of grpcwire's HTTP/2 engine: an
// Observer set on a server (server.FrameObserver) or a client
// (client.WithFrameObserver) is told of every frame each connection reads or
// writes, with its decoded content. Package trace is one Observer, printing
// the frames as text; write another to count, record or draw frames.
//
// The package is a leaf: it depends only on x/net's http2 and hpack types,
// so an observer can be written without importing the engine.
package observe

import (
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// An Observer is told of every frame a connection reads or writes. It is the
// base of grpcwire's frame trace (package trace). It is off by default and costs nothing
// then: the engine checks for a nil Observer before building an event.
//
// ObserveFrame is called from the goroutine that reads the connection's
// frames and from the one writing them (the connection's writer goroutine,
// or a call's own goroutine writing its frames while the writer is idle;
// never two writers at once), possibly at the same time, and must not block
// for long: the connection waits for it. It must not write on the
// connection it observes. The event and the slices it points to are valid only during
// the call.
type Observer interface {
	ObserveFrame(ev *FrameEvent)
}

// FrameEvent describes one frame read or written.
type FrameEvent struct {
	// Time is when the frame was read, or handed to the buffered writer.
	Time time.Time
	// Sent is true for frames this side wrote, false for frames it read.
	Sent bool
	// Header is the frame's 9-byte header: type, flags, stream id, length.
	Header http2.FrameHeader
	// Fields are the decoded header fields of a HEADERS frame, including
	// those carried by its CONTINUATION frames.
	Fields []hpack.HeaderField
	// Continuations counts the CONTINUATION frames that followed a HEADERS
	// frame (their bytes are counted in Header.Length).
	Continuations int
	// Data is a DATA frame's payload without padding.
	Data []byte
	// ErrCode is the code of RST_STREAM and GOAWAY frames.
	ErrCode http2.ErrCode
	// LastStreamID and DebugData are a GOAWAY frame's.
	LastStreamID uint32
	DebugData    []byte
	// Increment is a WINDOW_UPDATE frame's.
	Increment uint32
	// Ping is a PING frame's opaque data.
	Ping [8]byte
	// Settings are a SETTINGS frame's parameters.
	Settings []http2.Setting
	// Problem, when not empty, says what is wrong with the frame: an HPACK
	// error (Fields then hold the fields decoded before it), a payload too
	// short for its type, a header block another frame interrupted. It is
	// set by passive followers of a connection, such as package tap's,
	// which keep watching after a peer's mistake; grpcwire's own engine
	// ends the connection instead and never sets it.
	Problem string
}
