package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints one line per report, "pass", "fail" or "skip", the
// check's ID and the sentence it tests, then for a failure what was
// expected and what came, for a skip why, for a pass with a note the note;
// then the closing line "N passed, M failed, K skipped". With traces, a
// failing check's frames follow its line, indented.
func WriteText(w io.Writer, reports []Report, traces bool) {
	width := 0
	for _, r := range reports {
		width = max(width, len(r.Check.ID))
	}
	for _, r := range reports {
		o := r.Outcome
		line := fmt.Sprintf("%s  %-*s  %s", o.Result, width, r.Check.ID, r.Check.Ref)
		switch o.Result {
		case Fail:
			line += fmt.Sprintf(" — expected %s; got %s", o.Expected, o.Got)
		case Skip:
			line += " — skipped: " + o.Why
		case Pass:
			if o.Note != "" {
				line += " — " + o.Note
			}
		}
		fmt.Fprintln(w, oneLine(line))
		if traces && o.Result == Fail && r.Trace != "" {
			for _, l := range strings.Split(strings.TrimRight(r.Trace, "\n"), "\n") {
				fmt.Fprintln(w, "      "+l)
			}
		}
	}
	p, f, s := Summary(reports)
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", p, f, s)
}

// oneLine escapes line breaks, so that every check stays one line however
// the server's messages look.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// JSONCheck is one check's result in the -json output.
type JSONCheck struct {
	ID       string `json:"id"`
	What     string `json:"what"`
	Ref      Ref    `json:"ref"`
	URL      string `json:"url"`
	Result   Result `json:"result"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	Why      string `json:"why,omitempty"`
	Note     string `json:"note,omitempty"`
	// Millis is how long the check took, in milliseconds.
	Millis int64 `json:"millis"`
	// Trace is the check's frames, for a failure when asked for (-v).
	Trace string `json:"trace,omitempty"`
}

// JSONReport is the whole -json output: one JSON object.
type JSONReport struct {
	Target  string      `json:"target"`
	Found   string      `json:"found"`
	Checks  []JSONCheck `json:"checks"`
	Passed  int         `json:"passed"`
	Failed  int         `json:"failed"`
	Skipped int         `json:"skipped"`
}

// WriteJSON writes the reports as one indented JSONReport.
func WriteJSON(w io.Writer, target string, env *Env, reports []Report, traces bool) error {
	out := JSONReport{Target: target, Found: env.Found, Checks: []JSONCheck{}}
	for _, r := range reports {
		o := r.Outcome
		jc := JSONCheck{
			ID: r.Check.ID, What: r.Check.What, Ref: r.Check.Ref, URL: DocURL(r.Check.Ref.Doc), Result: o.Result,
			Expected: o.Expected, Got: o.Got, Why: o.Why, Note: o.Note,
			Millis: r.Duration.Milliseconds(),
		}
		if traces && o.Result == Fail {
			jc.Trace = r.Trace
		}
		out.Checks = append(out.Checks, jc)
	}
	out.Passed, out.Failed, out.Skipped = Summary(reports)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
