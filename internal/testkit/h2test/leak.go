package h2test

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// leakLabel is the pprof goroutine label VerifyNoLeaks puts on the test's
// goroutine. Goroutines inherit their creator's labels, so every goroutine
// the test starts from then on — and every goroutine those start — carries
// the label, even after its creator has exited. That tells the test's
// goroutines apart from those of tests running in parallel, which a
// before/after count of all goroutines cannot.
const leakLabel = "h2test.VerifyNoLeaks"

var leakChecks atomic.Uint64

// VerifyNoLeaks fails t if goroutines started during the test are still
// running once it ends. Call it first in the test: its check runs as a
// Cleanup, so it runs after the cleanups registered later (closing the
// connections of Pipe, for one), and waits up to LeakWait for the goroutines
// to exit before failing with their stacks.
//
// It works by labelling the calling goroutine (runtime/pprof goroutine
// labels, inherited by every goroutine started from it) and so replaces any
// labels the test had set on its goroutine. Goroutines started before the
// call are not checked.
func VerifyNoLeaks(t testing.TB) {
	t.Helper()
	verifyNoLeaks(t, LeakWait)
}

func verifyNoLeaks(t testing.TB, wait time.Duration) {
	id := strconv.FormatUint(leakChecks.Add(1), 10) + ":" + t.Name()
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(leakLabel, id)))
	t.Cleanup(func() {
		// The test's own goroutine is about to finish; stop counting it.
		pprof.SetGoroutineLabels(context.Background())
		deadline := time.Now().Add(wait)
		for pause := leakPollFirst; ; pause = min(2*pause, leakPollMax) {
			leaked := labelledGoroutines(leakLabel, id)
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("h2test.VerifyNoLeaks: %d goroutine(s) started by %s still running %v after it ended:\n\n%s",
					countGoroutines(leaked), t.Name(), wait, strings.Join(leaked, "\n\n"))
				return
			}
			// No event announces that a goroutine has exited; polling the
			// profile is the only way to observe it.
			time.Sleep(pause)
		}
	})
}

// labelledGoroutines returns the stacks of the goroutines labelled key=value,
// grouped as the goroutine profile groups identical stacks, each group
// starting with its count.
func labelledGoroutines(key, value string) []string {
	var buf bytes.Buffer
	// debug=1 is the only text form that shows labels: one paragraph per
	// distinct stack and label set, "N @ pcs", "# labels: {...}", then frames.
	pprof.Lookup("goroutine").WriteTo(&buf, 1)
	want := fmt.Sprintf("%q:%q", key, value)
	var out []string
	for _, para := range strings.Split(buf.String(), "\n\n") {
		lines := strings.Split(strings.TrimSpace(para), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "# labels: ") || !strings.Contains(lines[1], want) {
			continue
		}
		count, _, _ := strings.Cut(lines[0], " @")
		stack := []string{count + " goroutine(s):"}
		for _, l := range lines[2:] {
			// "#\t0xPC\tfunc+0xOFF\tfile:line": drop the PC, keep the rest.
			fields := strings.Split(strings.TrimPrefix(l, "#"), "\t")
			if len(fields) >= 4 {
				fields = fields[2:]
			}
			stack = append(stack, "  "+strings.TrimSpace(strings.Join(fields, "  ")))
		}
		out = append(out, strings.Join(stack, "\n"))
	}
	return out
}

// countGoroutines adds up the counts heading the groups of labelledGoroutines.
func countGoroutines(groups []string) int {
	n := 0
	for _, g := range groups {
		c, _, _ := strings.Cut(g, " ")
		k, _ := strconv.Atoi(c)
		n += k
	}
	return n
}
