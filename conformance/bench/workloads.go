package bench

import (
	"fmt"
	"strings"
)

// Kind is the call kind a workload exercises.
type Kind int

// The four call kinds.
const (
	Unary Kind = iota
	ServerStream
	ClientStream
	Bidi
)

// Workload is one load shape: which call, how large its messages, how many
// per call, over how many connections and with how many calls at once.
type Workload struct {
	// Name identifies the workload on the command line (-workloads) and in
	// profile file names.
	Name string
	Kind Kind
	// Size is each message's payload in bytes.
	Size int
	// Count is the messages per call of the streaming kinds (1 for Unary
	// and for each round trip of Bidi).
	Count int
	// Conns is how many connections the load generator spreads its
	// callers over, round robin.
	Conns int
	// Concurrency is how many callers run at once, each making one call
	// (or one round trip of its own Bidi stream) after another.
	Concurrency int
}

// Workloads are the workloads, in the report's order:
//
//	"unary 100 B with 1 and with 50 concurrent calls on 1 connection, and 50
//	over 4 connections; unary 16 KiB; server-streaming 10,000 x 100 B;
//	server-streaming 64 x 1 MiB; client-streaming 10,000 x 100 B; bidi
//	ping-pong 100 B."
//
// The unary 16 KiB workload runs 50 callers on one connection, like the
// main small-message one; the streaming ones run one call at a time.
var Workloads = []Workload{
	{Name: "unary-100B-c1", Kind: Unary, Size: SmallSize, Count: 1, Conns: 1, Concurrency: 1},
	{Name: "unary-100B-c50", Kind: Unary, Size: SmallSize, Count: 1, Conns: 1, Concurrency: 50},
	{Name: "unary-100B-c50-4conns", Kind: Unary, Size: SmallSize, Count: 1, Conns: 4, Concurrency: 50},
	{Name: "unary-16KiB-c50", Kind: Unary, Size: MediumSize, Count: 1, Conns: 1, Concurrency: 50},
	{Name: "sstream-100B-x10000", Kind: ServerStream, Size: SmallSize, Count: 10000, Conns: 1, Concurrency: 1},
	{Name: "sstream-1MiB-x64", Kind: ServerStream, Size: LargeSize, Count: 64, Conns: 1, Concurrency: 1},
	{Name: "cstream-100B-x10000", Kind: ClientStream, Size: SmallSize, Count: 10000, Conns: 1, Concurrency: 1},
	{Name: "bidi-pingpong-100B", Kind: Bidi, Size: SmallSize, Count: 1, Conns: 1, Concurrency: 1},
}

// SelectWorkloads returns the workloads named in the comma-separated list
// (all of them for "" or "all"), in the table's order.
func SelectWorkloads(list string) ([]Workload, error) {
	if list == "" || list == "all" {
		return Workloads, nil
	}
	want := map[string]bool{}
	for n := range strings.SplitSeq(list, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var ws []Workload
	for _, w := range Workloads {
		if want[w.Name] {
			ws = append(ws, w)
			delete(want, w.Name)
		}
	}
	for n := range want {
		var names []string
		for _, w := range Workloads {
			names = append(names, w.Name)
		}
		return nil, fmt.Errorf("bench: unknown workload %q; the workloads are %s", n, strings.Join(names, ", "))
	}
	return ws, nil
}

// Unit is what one operation of the workload is, for throughput and the
// per-operation columns.
func (w Workload) Unit() string {
	switch w.Kind {
	case Unary:
		return "call"
	case Bidi:
		return "round trip"
	}
	return "msg"
}

// LatencyOf is what one latency sample of the workload times.
func (w Workload) LatencyOf() string {
	switch w.Kind {
	case Unary:
		return "call"
	case Bidi:
		return "round trip"
	}
	return fmt.Sprintf("call of %s msgs", formatCount(w.Count))
}

// OpsPerSample is how many operations one latency sample covers.
func (w Workload) OpsPerSample() int {
	if w.Kind == ServerStream || w.Kind == ClientStream {
		return w.Count
	}
	return 1
}

// Describe is the workload in words, for the report.
func (w Workload) Describe() string {
	size := sizeName(w.Size)
	conns := "1 conn"
	if w.Conns > 1 {
		conns = fmt.Sprintf("%d conns", w.Conns)
	}
	switch w.Kind {
	case Unary:
		return fmt.Sprintf("unary %s, %d concurrent, %s", size, w.Concurrency, conns)
	case ServerStream:
		return fmt.Sprintf("server-streaming %s × %s", formatCount(w.Count), size)
	case ClientStream:
		return fmt.Sprintf("client-streaming %s × %s", formatCount(w.Count), size)
	}
	return fmt.Sprintf("bidi ping-pong %s", size)
}

func sizeName(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// formatCount writes n with thousands separators.
func formatCount(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
