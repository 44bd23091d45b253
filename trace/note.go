package trace

import (
	"errors"
	"io"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Note adds a line to the connection's trace that is not a frame: what a
// watcher saw happen to the connection, such as a peer hanging up or bytes
// that are not HTTP/2 (grpcwire proxy writes these). It reads
//
//	c1 note: the client closed its connection after sending 1234 bytes; ...
//
// with the elapsed time first unless OmitTimes. Line breaks in text are
// replaced by spaces, so a note stays one line.
func (c *ConnTrace) Note(at time.Time, text string) {
	text = strings.ReplaceAll(text, "\n", " ")
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.outs {
		o.note(c, at, text)
	}
	b := c.appendPrefix(t.buf[:0], at)
	b = append(b, "note: "...)
	b = append(b, text...)
	b = append(b, '\n')
	t.write(b)
}

// Close ends the Tracer's structured outputs (the HTML page gets its
// closing tags and the count of what it shows) and closes the files
// FlagTracer opened. The text trace needs no ending. Frames observed after
// Close are written to the text trace only. A nil Tracer (FlagTracer's
// without flags) closes with nothing to do.
func (t *Tracer) Close() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushRun() // a run of DATA frames held back (SummarizeData)
	var errs []error
	for _, o := range t.outs {
		errs = append(errs, o.close())
	}
	t.outs = nil
	for _, c := range t.closers {
		errs = append(errs, c.Close())
	}
	t.closers = nil
	return errors.Join(errs...)
}

// JSONTo makes the Tracer also write the trace to w as JSON, one object per
// line, for tools (the schema is in json.go's jsonFrame and the README's
// "Watching two other implementations").
func JSONTo(w io.Writer) Option {
	return optionFunc(func(c *config) { c.outs = append(c.outs, newJSONOutput(w, c)) })
}

// HTMLTo makes the Tracer also write the trace to w as a self-contained HTML
// page, drawing each connection as a sequence diagram: the client's lane and
// the server's, one arrow per frame, time running down, each stream in its
// colour, the spec's role of each HEADERS and DATA frame on its arrow and the
// decoded fields and messages beside it. The page is written as frames come
// (a browser shows what has come so far); Close ends it.
func HTMLTo(w io.Writer) Option {
	return optionFunc(func(c *config) { c.outs = append(c.outs, newHTMLOutput(w, c)) })
}

// FindMethods makes the Tracer ask find for the method a stream's :path
// names ("/package.Service/Method"), to decode the stream's messages,
// before looking in protoregistry.GlobalFiles: a program that learns the
// services at run time (from server reflection, .proto files) decodes their
// messages without registering them. find is called with the Tracer's lock
// held, once per stream, and should be quick or cache its answers.
func FindMethods(find func(path string) (protoreflect.MethodDescriptor, error)) Option {
	return optionFunc(func(c *config) { c.findMethod = find })
}
