package trace

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// FlagTracer returns the Tracer the programs' trace flags ask for: the text
// trace on stderr with -trace (text), the HTML page of HTMLTo written to the
// file htmlPath with -html (when not empty), both with FlagOptions's
// showValues and showTimes; nil when neither is asked for. The file is
// created (or emptied) now, so that a wrong path is reported before
// anything runs. Close the Tracer when the program ends: that finishes the
// page and closes the file.
func FlagTracer(stderr io.Writer, text bool, htmlPath string, showValues, showTimes bool) (*Tracer, error) {
	return flagTracer(stderr, text, htmlPath, FlagOptions(showValues, showTimes))
}

// flagTracer is FlagTracer with the options already made.
func flagTracer(stderr io.Writer, text bool, htmlPath string, opts []Option) (*Tracer, error) {
	if !text && htmlPath == "" {
		return nil, nil
	}
	var f *os.File
	if htmlPath != "" {
		var err error
		if f, err = os.Create(htmlPath); err != nil {
			return nil, fmt.Errorf("-html: %w", err)
		}
		opts = append(opts, HTMLTo(f))
	}
	var w io.Writer
	if text {
		w = stderr
	}
	t := New(w, opts...)
	if f != nil {
		t.closers = append(t.closers, f)
	}
	return t, nil
}

// Flags are the frame-trace flags grpcwire's programs share, so that every
// program spells and explains them alike: -trace (the text trace on
// stderr), -trace-values (metadata values shown, not redacted),
// -trace-times (the elapsed time on every line, on by default), and either
// -html FILE (the trace drawn as a page, Register) or -trace-frames (every
// DATA frame of a large message, instead of one line per run of them,
// RegisterSummarized).
type Flags struct {
	Trace  bool   // -trace
	Values bool   // -trace-values
	Times  bool   // -trace-times
	HTML   string // -html, with Register

	// EveryFrame is -trace-frames, with RegisterSummarized: without it,
	// runs of DATA frames in the middle of one message are one line
	// (SummarizeData).
	EveryFrame bool
	summarized bool
}

// Register defines -trace, -trace-values, -trace-times and -html on fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	f.registerText(fs)
	fs.StringVar(&f.HTML, "html", "", "write the frame trace to this `file` as an HTML page, a sequence diagram of each connection")
}

// RegisterSummarized defines -trace, -trace-frames, -trace-values and
// -trace-times on fs, for programs that move large messages: their traces
// summarise runs of DATA frames unless -trace-frames is given. Such a trace
// has no -html: a drawing of every frame of a 4 GiB transfer is not one a
// browser can show.
func (f *Flags) RegisterSummarized(fs *flag.FlagSet) {
	f.registerText(fs)
	f.summarized = true
	fs.BoolVar(&f.EveryFrame, "trace-frames", false, "with -trace, show every DATA frame of a large message instead of one line per run")
}

func (f *Flags) registerText(fs *flag.FlagSet) {
	fs.BoolVar(&f.Trace, "trace", false, "print every HTTP/2 frame read and written to stderr")
	fs.BoolVar(&f.Values, "trace-values", false, "show metadata values in the trace (redacted by default)")
	fs.BoolVar(&f.Times, "trace-times", true, "print the elapsed time on every trace line")
}

// Tracer returns the Tracer the flags ask for, as FlagTracer does, or nil
// when they ask for none. Close it when the program ends: that prints a run
// of DATA frames held back for its summary and finishes the -html page.
func (f *Flags) Tracer(stderr io.Writer) (*Tracer, error) {
	opts := FlagOptions(f.Values, f.Times)
	if f.summarized && !f.EveryFrame {
		opts = append(opts, SummarizeData())
	}
	return flagTracer(stderr, f.Trace, f.HTML, opts)
}
