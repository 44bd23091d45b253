package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Markdown writes the report: a header saying when, where and how the run
// was made, then per section a table of medians over the rounds followed
// by the per-round ratios of A to B, then memory, raw TCP and failures.
func (r *Results) Markdown(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	m := r.Machine
	p("# grpcwire vs grpc-go, side by side")
	p("")
	p("| | |")
	p("|---|---|")
	p("| date | %s (the run took %s) |", r.Started.Format("2006-01-02 15:04 MST"), r.Ended.Sub(r.Started).Round(time.Second))
	p("| machine | %d CPUs, %s; load average %s at the start (the machine is shared) |", m.Cores, m.CPUModel, m.LoadAvg)
	p("| software | %s, grpc-go %s |", m.GoVersion, m.GRPCGoVersion)
	if r.GoWindow > 0 {
		p("| grpc-go settings | static flow control windows of %d bytes on grpc-go's client and server (-grpcgo-window): BDP estimation and its PINGs off; not grpc-go's defaults |", r.GoWindow)
	} else {
		p("| grpc-go settings | defaults (BDP estimation on) |")
	}
	p("| servers | %s; a fresh server per measurement |", r.ServerPinning)
	p("| load generator | %s |", r.Generator)
	p("| rounds | %d, each running A = grpcwire then B = grpc-go; %s warm-up, then a %s measured window; tables show medians over the rounds |",
		r.Rounds, r.Warmup, r.Duration)
	p("| command | `%s` |", r.Command)
	p("")
	p("Throughput is operations per second of the window (MB/s = 10⁶ payload bytes per second). Latency is")
	p("of the unit named in the workload column. CPU/op is the process's user+system time (getrusage) over the")
	p("window divided by operations; CPU use is that time over the window's length (100%% = one core busy).")
	p("allocs/op and B/op are runtime/metrics heap allocations (objects including tiny ones, and bytes) over")
	p("the window divided by operations. syscalls/op counts read and write system calls (syscr + syscw of")
	p("/proc/PID/io: read/write/readv/writev on the socket; epoll and futex calls are not counted).")
	p("The other side's CPU use is the load generator's in the servers tables and the server's in the clients")
	p("table, with other processes' share of its core in brackets when 5%% or more: their busy time in /proc/stat")
	p("beyond the two processes' own (the machine is shared; both counters are sampled at the kernel's tick).")
	p("When the two add up to %.0f%% or more (in bold), that side's core was full: it, not the side measured, set", 100*saturated)
	p("the pace, and CPU/op is the figure to compare.")
	for _, lr := range r.Servers {
		p("")
		p("## Servers: grpcwire's vs grpc-go's, both driven by %s's client", lr.Load)
		p("")
		r.comparisonTable(w, lr.Comparisons, "server", "generator", func(m Measurement) (Delta, Delta) { return m.Server, m.Client }, 1)
		p("")
		p("Per-round ratios, grpcwire ÷ grpc-go: throughput (above 1: grpcwire faster) / server CPU per op (below 1: grpcwire cheaper)")
		p("")
		ratioTable(w, lr.Comparisons, func(m Measurement) Delta { return m.Server })
	}
	if len(r.Clients) > 0 {
		p("")
		p("## Clients: grpcwire's vs grpc-go's, both against grpc-go's server")
		p("")
		r.comparisonTable(w, r.Clients, "client", "server", func(m Measurement) (Delta, Delta) { return m.Client, m.Server }, 0)
		p("")
		p("Per-round ratios, grpcwire ÷ grpc-go: throughput (above 1: grpcwire faster) / client CPU per op (below 1: grpcwire cheaper)")
		p("")
		ratioTable(w, r.Clients, func(m Measurement) Delta { return m.Client })
	}
	if len(r.Memory) > 0 {
		r.memoryTable(w)
	}
	if len(r.Floors) > 0 {
		r.floorSection(w)
	}
	if r.Files != nil {
		r.filesSection(w)
	}
	r.failures(w)
}

// saturated is the CPU use at or above which a side is taken to have set
// the pace of a window: one core all but fully busy, allowing for the
// tick-sampled accounting's error.
const saturated = 0.95

// comparisonTable writes one section's medians: side is the measured
// process, other the process on the other end, of returns their counters,
// and otherCPU is which of Measurement.Busy's CPUs the other one ran on.
func (r *Results) comparisonTable(w io.Writer, cs []Comparison, side, other string, of func(Measurement) (Delta, Delta), otherCPU int) {
	fmt.Fprintf(w, "| workload (latency of) | %s | throughput | p50 | p99 | CPU/op | CPU use | %s CPU use | allocs/op | B/op | syscalls/op |\n", side, other)
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	own := func(m Measurement) Delta { d, _ := of(m); return d }
	var pace []string
	var othersS, othersG []float64
	for _, c := range cs {
		for k, impl := range Impls {
			label := ""
			if k == 0 {
				label = fmt.Sprintf("%s (%s)", c.Workload.Describe(), c.Workload.LatencyOf())
			}
			ok := okRounds(c, k)
			if len(ok) == 0 {
				fmt.Fprintf(w, "| %s | %s | failed | | | | | | | | |\n", label, impl)
				continue
			}
			med := func(f func(Measurement) float64) float64 {
				vs := make([]float64, len(ok))
				for i, m := range ok {
					vs[i] = f(m)
				}
				return median(vs)
			}
			for _, m := range ok {
				if s, g, known := m.Others(); known {
					othersS, othersG = append(othersS, s), append(othersG, g)
				}
			}
			rate := med(Measurement.Rate)
			cpu := med(func(m Measurement) float64 { return m.perOp(float64(own(m).CPU)) })
			use := med(func(m Measurement) float64 { return own(m).Use(m.Elapsed) })
			otherUse := med(func(m Measurement) float64 { _, d := of(m); return d.Use(m.Elapsed) })
			// The other side's core was full when its own use and other
			// processes' on it add up to all of it.
			otherCore, othersOn := otherUse, 0.0
			if _, _, known := ok[0].Others(); known {
				othersOn = med(func(m Measurement) float64 { s, g, _ := m.Others(); return [2]float64{s, g}[otherCPU] })
				otherCore = med(func(m Measurement) float64 {
					s, g, _ := m.Others()
					_, d := of(m)
					return d.Use(m.Elapsed) + [2]float64{s, g}[otherCPU]
				})
			}
			allocs := med(func(m Measurement) float64 { return m.perOp(float64(own(m).Allocs)) })
			bytes := med(func(m Measurement) float64 { return m.perOp(float64(own(m).AllocBytes)) })
			sys := "n/a"
			if own(ok[0]).Syscalls >= 0 {
				sys = fmt.Sprintf("%.2f", med(func(m Measurement) float64 { return m.perOp(float64(own(m).Syscalls)) }))
			}
			note := ""
			if len(ok) < len(c.Rounds) {
				note = fmt.Sprintf(" (%d of %d rounds)", len(ok), len(c.Rounds))
			}
			otherCell := fmt.Sprintf("%.0f%%", 100*otherUse)
			if othersOn >= 0.05 {
				otherCell += fmt.Sprintf(" (+%.0f%%)", 100*othersOn)
			}
			if otherCore >= saturated {
				otherCell = "**" + otherCell + "**"
				pace = append(pace, fmt.Sprintf("%s with %s", c.Workload.Name, impl))
			}
			fmt.Fprintf(w, "| %s | %s%s | %s | %s | %s | %s | %.0f%% | %s | %s | %s | %s |\n",
				label, impl, note, formatRate(c.Workload, rate),
				formatDuration(time.Duration(med(func(m Measurement) float64 { return float64(m.P50) }))),
				formatDuration(time.Duration(med(func(m Measurement) float64 { return float64(m.P99) }))),
				formatDuration(time.Duration(cpu)), 100*use, otherCell, formatAllocs(allocs), formatCount(int(math.Round(bytes))), sys)
		}
	}
	fmt.Fprintln(w)
	if len(pace) > 0 {
		fmt.Fprintf(w, "The %s's core was full (its CPU use, with other processes' on that core in brackets, at least %.0f%%; medians of the rounds) in %s: there the %s, not the %s, set the throughput.\n",
			other, 100*saturated, strings.Join(pace, ", "), other, side)
	} else {
		fmt.Fprintf(w, "The %s's core was less than %.0f%% busy (its CPU use, with other processes' on that core in brackets) in every row.\n", other, 100*saturated)
	}
	if len(othersS) > 0 {
		fmt.Fprintf(w, "Other processes took %s of the server's CPU and %s of the load generator's over these windows (median, largest).\n",
			shareRange(othersS), shareRange(othersG))
	}
}

// shareRange writes the median and the largest of shares of a CPU.
func shareRange(vs []float64) string {
	largest := slices.Max(vs)
	return fmt.Sprintf("%.0f%%, %.0f%%", 100*median(slices.Clone(vs)), 100*largest)
}

// okRounds are the measurements of implementation k that succeeded.
func okRounds(c Comparison, k int) []Measurement {
	var ms []Measurement
	for _, p := range c.Rounds {
		if p[k].Err == "" {
			ms = append(ms, p[k])
		}
	}
	return ms
}

func ratioTable(w io.Writer, cs []Comparison, of func(Measurement) Delta) {
	if len(cs) == 0 {
		return
	}
	n := len(cs[0].Rounds)
	fmt.Fprint(w, "| workload |")
	for i := range n {
		fmt.Fprintf(w, " round %d |", i+1)
	}
	fmt.Fprintln(w, " median |")
	fmt.Fprint(w, "|---|")
	for range n + 1 {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, c := range cs {
		fmt.Fprintf(w, "| %s |", c.Workload.Name)
		var rates, cpus []float64
		for _, p := range c.Rounds {
			a, b := p[0], p[1]
			if a.Err != "" || b.Err != "" || b.Rate() == 0 {
				fmt.Fprint(w, " failed |")
				continue
			}
			rate := a.Rate() / b.Rate()
			cpu := a.perOp(float64(of(a).CPU)) / b.perOp(float64(of(b).CPU))
			rates = append(rates, rate)
			cpus = append(cpus, cpu)
			fmt.Fprintf(w, " %.2f / %.2f |", rate, cpu)
		}
		if len(rates) == 0 {
			fmt.Fprintln(w, " |")
			continue
		}
		fmt.Fprintf(w, " **%.2f / %.2f** |\n", median(rates), median(cpus))
	}
}

func (r *Results) memoryTable(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Memory: idle connections and idle streams on each server")
	fmt.Fprintln(w)
	var conns, streams int
	for _, p := range r.Memory {
		for _, m := range p {
			conns, streams = max(conns, m.Conn.N), max(streams, m.Stream.N)
		}
	}
	fmt.Fprintf(w, "%s idle connections (each made one unary call first), then %s idle streams on one more connection\n",
		formatCount(conns), formatCount(streams))
	fmt.Fprintln(w, "(each a bidi call that made one 100 B round trip), opened by grpc-go's client; the server's live heap")
	fmt.Fprintln(w, "and goroutine stacks after forced GC, and its goroutines, before and after, divided by their number.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | bytes per idle conn (heap + stacks) | goroutines per idle conn | bytes per idle stream (heap + stacks) | goroutines per idle stream |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for k, impl := range Impls {
		var cb, ch, cs, cg, sb, sh, ss, sg []float64
		for _, p := range r.Memory {
			m := p[k]
			if m.Err != "" {
				continue
			}
			cb, ch, cs, cg = append(cb, m.Conn.Bytes()), append(ch, m.Conn.Heap), append(cs, m.Conn.Stack), append(cg, m.Conn.Goroutines)
			sb, sh, ss, sg = append(sb, m.Stream.Bytes()), append(sh, m.Stream.Heap), append(ss, m.Stream.Stack), append(sg, m.Stream.Goroutines)
		}
		if len(cb) == 0 {
			fmt.Fprintf(w, "| %s | failed | | | |\n", impl)
			continue
		}
		fmt.Fprintf(w, "| %s | %s (%s + %s) | %.2f | %s (%s + %s) | %.2f |\n", impl,
			formatBytes(median(cb)), formatBytes(median(ch)), formatBytes(median(cs)), median(cg),
			formatBytes(median(sb)), formatBytes(median(sh)), formatBytes(median(ss)), median(sg))
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "Per-round ratios, grpcwire ÷ grpc-go, bytes per idle conn / per idle stream:")
	sep := " "
	for i, p := range r.Memory {
		if p[0].Err != "" || p[1].Err != "" {
			fmt.Fprintf(w, "%sround %d failed", sep, i+1)
		} else {
			fmt.Fprintf(w, "%sround %d %.2f / %.2f", sep, i+1, ratio(p[0].Conn.Bytes(), p[1].Conn.Bytes()), ratio(p[0].Stream.Bytes(), p[1].Stream.Bytes()))
		}
		sep = "; "
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w)
}

// floorSection writes the floors, then every figure of the servers and
// clients sections that has a floor as a fraction of it.
func (r *Results) floorSection(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("## Floors: raw loopback TCP, what no gRPC stack can beat here")
	p("")
	p("The same payloads on one loopback connection with nothing of gRPC or HTTP/2: the server in a process")
	p("pinned like the gRPC servers, the client in the load generator's process and loop. Ping-pong: a 100 B")
	p("request and a 100 B answer, each after a 4-byte length and written in one write, one at a time (the floor")
	p("of unary with one caller and of bidi ping-pong). Stream: the server writes 1 MiB at a time, as grpcwire's")
	p("writer does per writev, and the client reads each 1 MiB message whole into one buffer (the floor of")
	p("server-streaming 1 MiB messages and of the files section).")
	p("")
	p("| floor (latency of) | throughput | p50 | p99 | server CPU/op | client CPU/op | server / client CPU use | syscalls/op server / client | allocs/op server / client |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range r.Floors {
		ok := okFloor(f)
		label := fmt.Sprintf("%s (%s)", f.describe(), f.Workload.LatencyOf())
		if len(ok) == 0 {
			p("| %s | failed | | | | | | | |", label)
			continue
		}
		med := func(v func(Measurement) float64) float64 { return medianOf(ok, v) }
		perOp := func(d func(Measurement) Delta, v func(Delta) float64) float64 {
			return med(func(m Measurement) float64 { return m.perOp(v(d(m))) })
		}
		srv := func(m Measurement) Delta { return m.Server }
		cli := func(m Measurement) Delta { return m.Client }
		cpu := func(d Delta) float64 { return float64(d.CPU) }
		sys := func(d Delta) float64 { return float64(d.Syscalls) }
		allocs := func(d Delta) float64 { return float64(d.Allocs) }
		sysCell := "n/a"
		if ok[0].Server.Syscalls >= 0 && ok[0].Client.Syscalls >= 0 {
			sysCell = fmt.Sprintf("%.2f / %.2f", perOp(srv, sys), perOp(cli, sys))
		}
		p("| %s | %s | %s | %s | %s | %s | %.0f%% / %.0f%% | %s | %s / %s |", label,
			formatRate(f.Workload, med(Measurement.Rate)),
			formatDuration(time.Duration(med(func(m Measurement) float64 { return float64(m.P50) }))),
			formatDuration(time.Duration(med(func(m Measurement) float64 { return float64(m.P99) }))),
			formatDuration(time.Duration(perOp(srv, cpu))), formatDuration(time.Duration(perOp(cli, cpu))),
			100*med(func(m Measurement) float64 { return m.Server.Use(m.Elapsed) }), 100*med(func(m Measurement) float64 { return m.Client.Use(m.Elapsed) }),
			sysCell, formatAllocs(perOp(srv, allocs)), formatAllocs(perOp(cli, allocs)))
	}
	var othersS, othersG []float64
	for _, f := range r.Floors {
		for _, m := range okFloor(f) {
			if s, g, known := m.Others(); known {
				othersS, othersG = append(othersS, s), append(othersG, g)
			}
		}
	}
	if len(othersS) > 0 {
		p("")
		p("Other processes took %s of the server's CPU and %s of the load generator's over these windows (median, largest).",
			shareRange(othersS), shareRange(othersG))
	}
	var rounds []string
	for _, f := range r.Floors {
		var vs []string
		for _, m := range f.Rounds {
			if m.Err != "" {
				vs = append(vs, "failed")
			} else {
				vs = append(vs, formatRate(f.Workload, m.Rate()))
			}
		}
		rounds = append(rounds, fmt.Sprintf("%s %s", f.Workload.Name, strings.Join(vs, ", ")))
	}
	p("")
	p("Per round: %s.", strings.Join(rounds, "; "))
	if len(r.Copy) > 0 {
		cs := make([]string, len(r.Copy))
		for i, v := range r.Copy {
			cs[i] = formatBytesRate(v)
		}
		p("")
		p("Copy calibration: the load generator copies 1 MiB blocks between two 64 MiB buffers at %s (median; rounds: %s),", formatBytesRate(median(slices.Clone(r.Copy))), strings.Join(cs, ", "))
		p("the least a client does per byte of a large message. It moves with what else shares the machine's memory,")
		p("inside this machine or outside it, and the streaming figures move with it.")
	}

	type row struct {
		c     Comparison
		where string
	}
	var rows []row
	for _, lr := range r.Servers {
		for _, c := range lr.Comparisons {
			rows = append(rows, row{c, fmt.Sprintf("server, driven by %s's client", lr.Load)})
		}
	}
	for _, c := range r.Clients {
		rows = append(rows, row{c, "client, against grpc-go's server"})
	}
	var lines []string
	for _, rw := range rows {
		fw, ok := floorOf(rw.c.Workload)
		if !ok {
			continue
		}
		f, found := r.floor(fw.Name)
		if !found {
			continue
		}
		floor := okFloor(f)
		if len(floor) == 0 {
			continue
		}
		fRate := medianOf(floor, Measurement.Rate)
		fP50 := medianOf(floor, func(m Measurement) float64 { return float64(m.P50) })
		fP99 := medianOf(floor, func(m Measurement) float64 { return float64(m.P99) })
		cells := []string{rw.c.Workload.Name, rw.where, f.Workload.Name}
		for k := range Impls {
			ms := okRounds(rw.c, k)
			if len(ms) == 0 {
				cells = append(cells, "failed", "", "")
				continue
			}
			cells = append(cells,
				fmt.Sprintf("%.0f%%", 100*ratio(medianOf(ms, Measurement.Rate), fRate)),
				fmt.Sprintf("%.2f×", ratio(medianOf(ms, func(m Measurement) float64 { return float64(m.P50) }), fP50)),
				fmt.Sprintf("%.2f×", ratio(medianOf(ms, func(m Measurement) float64 { return float64(m.P99) }), fP99)))
		}
		lines = append(lines, "| "+strings.Join(cells, " | ")+" |")
	}
	if len(lines) == 0 {
		return
	}
	p("")
	p("Against the floor: each stack's throughput as a share of its floor's, and its p50 and p99 latency as a")
	p("multiple of the floor's (medians over the rounds). The floor has no HTTP/2, no HPACK, no protobuf and")
	p("no gRPC framing or status; the stacks carry all of that over the same loopback.")
	p("")
	p("| workload | measured | floor | grpcwire throughput | grpcwire p50 | grpcwire p99 | grpc-go throughput | grpc-go p50 | grpc-go p99 |")
	p("|---|---|---|---:|---:|---:|---:|---:|---:|")
	for _, l := range lines {
		p("%s", l)
	}
}

// describe is the floor in words, for the report.
func (f FloorRun) describe() string {
	if f.Workload.Kind == ServerStream {
		return fmt.Sprintf("raw TCP stream of %s messages", sizeName(f.Workload.Size))
	}
	return fmt.Sprintf("raw TCP ping-pong %s", sizeName(f.Workload.Size))
}

// floor returns the floor named name.
func (r *Results) floor(name string) (FloorRun, bool) {
	for _, f := range r.Floors {
		if f.Workload.Name == name {
			return f, true
		}
	}
	return FloorRun{}, false
}

// streamFloor is the streaming floor's median throughput in bytes per
// second, and whether it was measured.
func (r *Results) streamFloor() (float64, bool) {
	f, found := r.floor(FloorStream.Name)
	ok := okFloor(f)
	if !found || len(ok) == 0 {
		return 0, false
	}
	return medianOf(ok, Measurement.Rate) * float64(f.Workload.Size), true
}

// okFloor are the floor's measurements that succeeded.
func okFloor(f FloorRun) []Measurement {
	var ms []Measurement
	for _, m := range f.Rounds {
		if m.Err == "" {
			ms = append(ms, m)
		}
	}
	return ms
}

// medianOf is the median of v over ms.
func medianOf(ms []Measurement, v func(Measurement) float64) float64 {
	vs := make([]float64, len(ms))
	for i, m := range ms {
		vs[i] = v(m)
	}
	return median(vs)
}

func (r *Results) failures(w io.Writer) {
	var lines []string
	type section struct {
		name string
		cs   []Comparison
	}
	var secs []section
	for _, lr := range r.Servers {
		secs = append(secs, section{"server (" + lr.Load + "'s client)", lr.Comparisons})
	}
	secs = append(secs, section{"client", r.Clients})
	for _, sec := range secs {
		for _, c := range sec.cs {
			for i, p := range c.Rounds {
				for k, m := range p {
					if m.Err != "" {
						lines = append(lines, fmt.Sprintf("- round %d, %s %s, %s: %s", i+1, sec.name, Impls[k], c.Workload.Name, m.Err))
					}
				}
			}
		}
	}
	for i, p := range r.Memory {
		for k, m := range p {
			if m.Err != "" {
				lines = append(lines, fmt.Sprintf("- round %d, memory, %s: %s", i+1, Impls[k], m.Err))
			}
		}
	}
	for _, f := range r.Floors {
		for i, m := range f.Rounds {
			if m.Err != "" {
				lines = append(lines, fmt.Sprintf("- round %d, floor %s: %s", i+1, f.Workload.Name, m.Err))
			}
		}
	}
	if r.Files != nil {
		lines = append(lines, r.Files.fileFailures()...)
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Failures")
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// median of vs (which it sorts); 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// formatRate writes ops per second with the workload's unit, plus MB/s of
// payload for messages of 16 KiB and more.
func formatRate(w Workload, rate float64) string {
	unit := w.Unit() + "s"
	s := fmt.Sprintf("%s %s/s", formatSI(rate), unit)
	if w.Size >= MediumSize {
		s += " · " + formatBytesRate(rate*float64(w.Size))
	}
	return s
}

// formatSI writes v with three significant digits and a k or M suffix.
func formatSI(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + "M"
	case v >= 1e3:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func formatBytesRate(bps float64) string {
	if bps >= 1e9 {
		return sig3(bps/1e9) + " GB/s"
	}
	return sig3(bps/1e6) + " MB/s"
}

// formatDuration writes d with three significant digits.
func formatDuration(d time.Duration) string {
	v := float64(d)
	switch {
	case d <= 0:
		return "0"
	case d < time.Microsecond:
		return fmt.Sprintf("%.0fns", v)
	case d < time.Millisecond:
		return sig3(v/1e3) + "µs"
	case d < time.Second:
		return sig3(v/1e6) + "ms"
	}
	return sig3(v/1e9) + "s"
}

func formatAllocs(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// formatBytes writes a memory size in B below 1 KiB, else in KiB.
func formatBytes(v float64) string {
	if math.Abs(v) >= 1<<10 {
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}
