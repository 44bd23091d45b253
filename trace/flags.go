package trace

import (
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
	if !text && htmlPath == "" {
		return nil, nil
	}
	opts := FlagOptions(showValues, showTimes)
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
