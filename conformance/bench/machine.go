package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Machine describes where a run happened, for the report's header.
type Machine struct {
	// CPUModel is the first "model name" of /proc/cpuinfo.
	CPUModel string
	// Cores is how many CPUs the machine has: the processors /proc/cpuinfo
	// lists (the harness runs pinned to one, so runtime.NumCPU says 1).
	Cores int
	// LoadAvg is /proc/loadavg's first three fields when the run started:
	// the machine is shared, and a high load explains noisy rounds.
	LoadAvg string
	// GoVersion and GRPCGoVersion are the toolchain and grpc-go's module
	// version.
	GoVersion, GRPCGoVersion string
}

// DescribeMachine reads /proc and the build information.
func DescribeMachine() Machine {
	m := Machine{GoVersion: runtime.Version(), CPUModel: "unknown", GRPCGoVersion: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "processor":
				m.Cores++
			case "model name":
				if m.CPUModel == "unknown" {
					m.CPUModel = strings.TrimSpace(v)
				}
			}
		}
	}
	if m.Cores == 0 {
		m.Cores = runtime.NumCPU()
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "google.golang.org/grpc" {
				m.GRPCGoVersion = d.Version
			}
		}
	}
	return m
}

// AllowedCPUs returns the CPUs the process may run on, from the
// Cpus_allowed_list line of /proc/self/status, or nil if it cannot tell.
func AllowedCPUs() []int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			cpus, err := ParseCPUList(strings.TrimSpace(v))
			if err != nil {
				return nil
			}
			return cpus
		}
	}
	return nil
}

// maxCPU bounds the CPU numbers ParseCPUList accepts: Linux's largest
// NR_CPUS is 8192, and the bound keeps a malformed range from allocating
// without limit.
const maxCPU = 1 << 13

// ParseCPUList parses the kernel's CPU list format ("0-3,8,10-11").
func ParseCPUList(s string) ([]int, error) {
	var cpus []int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bench: bad CPU list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bench: bad CPU range %q in %q", part, s)
			}
		}
		if a < 0 || b >= maxCPU {
			return nil, fmt.Errorf("bench: CPU number out of range in %q", s)
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// PinPlan says which CPU the servers and which the load generator run on.
type PinPlan struct {
	Taskset     string // path of taskset; empty when not pinning
	Server, Gen int    // CPUs; -1 when not pinning
	Why         string // why not pinning, when not
}

// PlanPinning pins the server to the first allowed CPU and the load
// generator to the second, when taskset exists and two CPUs are allowed.
func PlanPinning() PinPlan {
	no := PinPlan{Server: -1, Gen: -1}
	cpus := AllowedCPUs()
	if len(cpus) < 2 {
		no.Why = "fewer than two CPUs allowed"
		return no
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		no.Why = "taskset not found (Debian: apt-get install util-linux)"
		return no
	}
	return PinPlan{Taskset: ts, Server: cpus[0], Gen: cpus[1]}
}

// clockTick is the unit of /proc/stat's CPU times, USER_HZ: 100 a second
// on every Linux architecture Go builds for.
const clockTick = 10 * time.Millisecond

// cpuBusy returns how long each of cpus has been busy since boot (user,
// nice, system, irq, softirq and steal time of its line in /proc/stat),
// and false when a CPU is -1 or the file cannot be read.
func cpuBusy(cpus [2]int) ([2]time.Duration, bool) {
	var busy [2]time.Duration
	if cpus[0] < 0 || cpus[1] < 0 {
		return busy, false
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return busy, false
	}
	found := 0
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		n, err := strconv.Atoi(f[0][len("cpu"):])
		if err != nil {
			continue
		}
		var ticks int64
		for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system (idle iowait) irq softirq steal
			v, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				return busy, false
			}
			ticks += v
		}
		for k, c := range cpus {
			if c == n {
				busy[k] = time.Duration(ticks) * clockTick
				found++
			}
		}
	}
	return busy, found == len(cpus)
}
