package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grpcwire/conformance/bench"
)

// runMainEnv makes the test binary run the program's main instead of the
// tests, so that the test runs the real program with its flags.
const runMainEnv = "GRPCWIRE_BENCH_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"bench"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestQuickRunNeverOverwritesResults: the program refuses, at once and
// before measuring anything, to write a run smaller than a full one to a
// file named RESULTS.md, and leaves the file as it was.
func TestQuickRunNeverOverwritesResults(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "bench", "RESULTS.md")
	if err := os.MkdirAll(filepath.Dir(results), 0o755); err != nil {
		t.Fatal(err)
	}
	const committed = "the last full run\n"
	if err := os.WriteFile(results, []byte(committed), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-out", results, "-quick"},
		{"-quick", "-out", "bench/RESULTS.md"},
		{"-out", results, "-rounds", "1"},
		{"-out", results, "-duration", "100ms"},
		{"-out", results, "-workloads", "unary-small"},
		{"-out", results, "-sections", "memory"},
		{"-out", results, "-conns", "10"},
		{"-out", results, "-files-size", "1048576"},
		{"-out", results, "-server-load", "grpc-go"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), runMainEnv+"=1")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("bench %v: %v, output:\n%s\nwant exit 1", args, err, out)
			}
			if !strings.Contains(string(out), "RESULTS.md holds the last full run, and this run is smaller") ||
				!strings.Contains(string(out), "write it elsewhere") {
				t.Errorf("bench %v said:\n%s", args, out)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("the refusal took %v: it must come before anything is measured", d)
			}
			if b, _ := os.ReadFile(results); string(b) != committed {
				t.Errorf("RESULTS.md was changed to %q", b)
			}
		})
	}
}

// TestFullRunMayWriteResults: the flags of a full run, and -out files of
// other names for any run, pass the check.
func TestFullRunMayWriteResults(t *testing.T) {
	full := runSize{rounds: 3, duration: 2 * time.Second, warmup: 500 * time.Millisecond,
		conns: 1000, streams: 10000, workloads: "all", section: "tcp, memory,clients,servers,files", filesSize: bench.DefaultFileSize}
	for _, tc := range []struct {
		out string
		r   runSize
	}{
		{"bench/RESULTS.md", full},
		{"RESULTS.md", runSize{rounds: 5, duration: 3 * time.Second, warmup: time.Second, conns: 2000, streams: 20000, section: allSections, filesSize: 2 * bench.DefaultFileSize, loads: "grpc-go, grpcwire"}},
		{"/tmp/quick.md", runSize{quick: true, rounds: 1, section: "memory"}},
		{"", runSize{quick: true}},
	} {
		if err := checkOut(tc.out, tc.r); err != nil {
			t.Errorf("checkOut(%q, %+v) = %v, want nil", tc.out, tc.r, err)
		}
	}
}

// TestTinyRun runs the program as a user would, pinned when the machine
// allows, with windows too short to mean anything: the floors, the servers
// section under both load generators, the clients section, and the report
// that puts each figure beside its floor.
func TestTinyRun(t *testing.T) {
	dir := t.TempDir()
	jsonOut := filepath.Join(dir, "run.json")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-sections", "tcp,servers,clients", "-workloads", "unary-100B-c1,bidi-pingpong-100B",
		"-rounds", "1", "-duration", "100ms", "-warmup", "20ms", "-q", "-json", jsonOut)
	// A program built with -race sleeps a second at exit unless told not
	// to; the run starts a dozen server processes.
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "GORACE=atexit_sleep_ms=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.String(), out)
	}
	report := string(out)
	for _, want := range []string{
		"## Servers: grpcwire's vs grpc-go's, both driven by grpcwire's client",
		"## Servers: grpcwire's vs grpc-go's, both driven by grpc-go's client",
		"## Clients: grpcwire's vs grpc-go's, both against grpc-go's server",
		"| generator CPU use |",
		"## Floors: raw loopback TCP",
		"| raw TCP ping-pong 100 B (round trip) | ",
		"| raw TCP stream of 1 MiB messages (call of 64 msgs) | ",
		"| unary-100B-c1 | server, driven by grpc-go's client | tcp-pingpong-100B | ",
		"| bidi-pingpong-100B | server, driven by grpcwire's client | tcp-pingpong-100B | ",
		"| bidi-pingpong-100B | client, against grpc-go's server | tcp-pingpong-100B | ",
		"Copy calibration: ",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "## Failures") {
		t.Errorf("the run had failures:\n%s", report)
	}
	var res bench.Results
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("-json: %v", err)
	}
	if len(res.Servers) != 2 || len(res.Floors) != 2 || len(res.Clients) != 2 {
		t.Errorf("-json holds %d load generators, %d floors, %d client workloads; want 2, 2, 2", len(res.Servers), len(res.Floors), len(res.Clients))
	}
	if plan := bench.PlanPinning(); plan.Taskset != "" {
		for _, f := range res.Floors {
			if m := f.Rounds[0]; !m.BusyKnown {
				t.Errorf("pinned, but the floor %s does not know how busy its CPUs were", f.Workload.Name)
			}
		}
	}
}
