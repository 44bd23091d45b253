package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"grpcwire/conformance/bench"
)

// resultsFile is the name of the committed report of the last full run,
// bench/RESULTS.md, which the README quotes.
const resultsFile = "RESULTS.md"

// runSize is what of a full run the flags ask for.
type runSize struct {
	quick              bool
	rounds             int
	duration, warmup   time.Duration
	conns, streams     int
	workloads, section string
	filesSize          int64
	loads              string // -server-load
}

// allSections are the sections of a full run, as -sections lists them.
const allSections = "servers,clients,memory,tcp,files"

// allLoads are the load generators of a full run's servers section, as
// -server-load lists them.
const allLoads = bench.ImplWire + "," + bench.ImplGo

// smaller says how the run is smaller than a full one, or "" when it is
// not.
func (r runSize) smaller() string {
	var why []string
	if r.quick {
		why = append(why, "-quick")
	}
	if r.rounds < bench.DefaultRounds {
		why = append(why, fmt.Sprintf("-rounds %d", r.rounds))
	}
	if r.duration < bench.DefaultDuration {
		why = append(why, "-duration "+r.duration.String())
	}
	if r.warmup < bench.DefaultWarmup {
		why = append(why, "-warmup "+r.warmup.String())
	}
	if r.conns < bench.DefaultIdleConns {
		why = append(why, fmt.Sprintf("-conns %d", r.conns))
	}
	if r.streams < bench.DefaultIdleStreams {
		why = append(why, fmt.Sprintf("-streams %d", r.streams))
	}
	if w := strings.TrimSpace(r.workloads); w != "" && w != "all" {
		why = append(why, "-workloads "+w)
	}
	if r.filesSize < bench.DefaultFileSize {
		why = append(why, fmt.Sprintf("-files-size %d", r.filesSize))
	}
	if !sameSections(r.section, allSections) {
		why = append(why, "-sections "+r.section)
	}
	if r.loads != "" && !sameSections(r.loads, allLoads) {
		why = append(why, "-server-load "+r.loads)
	}
	return strings.Join(why, " ")
}

// sameSections reports whether two comma-separated lists (of -sections,
// of -server-load) name the same things.
func sameSections(a, b string) bool {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for p := range strings.SplitSeq(s, ",") {
			m[strings.TrimSpace(p)] = true
		}
		return m
	}
	x, y := set(a), set(b)
	if len(x) != len(y) {
		return false
	}
	for k := range x {
		if !y[k] {
			return false
		}
	}
	return true
}

// checkOut refuses, before anything runs, to write the report of a run
// smaller than a full one to a file named RESULTS.md: that file is the
// committed record of the last full run, and a quick run's numbers
// (windows of 150 ms, a tenth of the idle connections) would replace it
// without anyone noticing in a diff of ratios.
func checkOut(out string, r runSize) error {
	if out == "" || filepath.Base(out) != resultsFile {
		return nil
	}
	if why := r.smaller(); why != "" {
		return fmt.Errorf("-out %s: %s holds the last full run, and this run is smaller (%s); write it elsewhere, e.g. -out /tmp/bench-quick.md",
			out, resultsFile, why)
	}
	return nil
}
