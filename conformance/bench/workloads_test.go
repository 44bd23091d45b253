package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestWorkloads walks every row of the workload table: the list,
// in its order, with unique names and sane shapes.
func TestWorkloads(t *testing.T) {
	want := []struct {
		kind              Kind
		size, count       int
		conns, concurrent int
	}{
		{Unary, 100, 1, 1, 1},
		{Unary, 100, 1, 1, 50},
		{Unary, 100, 1, 4, 50},
		{Unary, 16 << 10, 1, 1, 50},
		{ServerStream, 100, 10000, 1, 1},
		{ServerStream, 1 << 20, 64, 1, 1},
		{ClientStream, 100, 10000, 1, 1},
		{Bidi, 100, 1, 1, 1},
	}
	if len(Workloads) != len(want) {
		t.Fatalf("%d workloads, want %d", len(Workloads), len(want))
	}
	seen := map[string]bool{}
	for i, w := range Workloads {
		g := want[i]
		if w.Kind != g.kind || w.Size != g.size || w.Count != g.count || w.Conns != g.conns || w.Concurrency != g.concurrent {
			t.Errorf("row %d %s = %+v, want %+v", i, w.Name, w, g)
		}
		if seen[w.Name] || w.Name == "" || strings.ContainsAny(w.Name, " ,/") {
			t.Errorf("row %d: name %q is empty, repeated, or not usable in -workloads and file names", i, w.Name)
		}
		seen[w.Name] = true
		if w.Describe() == "" || w.Unit() == "" || w.LatencyOf() == "" {
			t.Errorf("row %d: no words for %+v", i, w)
		}
	}
}

func TestSelectWorkloads(t *testing.T) {
	all, err := SelectWorkloads("all")
	if err != nil || len(all) != len(Workloads) {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	// The table's order, whatever the list's.
	ws, err := SelectWorkloads("bidi-pingpong-100B, unary-100B-c1")
	if err != nil || len(ws) != 2 || ws[0].Name != "unary-100B-c1" || ws[1].Name != "bidi-pingpong-100B" {
		t.Fatalf("got %v, %v", ws, err)
	}
	if _, err := SelectWorkloads("unary-100B-c1,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "unary-100B-c1") {
		t.Errorf("unknown workload: %v; want an error naming it and listing the workloads", err)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{formatDuration(0), "0"},
		{formatDuration(850 * time.Nanosecond), "850ns"},
		{formatDuration(81234 * time.Nanosecond), "81.2µs"},
		{formatDuration(2500 * time.Microsecond), "2.50ms"},
		{formatDuration(1234 * time.Millisecond), "1.23s"},
		{formatSI(950), "950"},
		{formatSI(21300), "21.3k"},
		{formatSI(440000), "440k"},
		{formatSI(1.5e6), "1.50M"},
		{formatBytesRate(9.05e8), "905 MB/s"},
		{formatBytesRate(3.3e9), "3.30 GB/s"},
		{formatBytes(312), "312 B"},
		{formatBytes(4812), "4.7 KiB"},
		{formatCount(10000), "10,000"},
		{formatCount(64), "64"},
		{formatCount(1234567), "1,234,567"},
		{formatAllocs(63.96), "64.0"},
		{formatAllocs(1234.4), "1234"},
		{formatRate(Workloads[0], 21300), "21.3k calls/s"},
		{formatRate(Workloads[5], 860), "860 msgs/s · 902 MB/s"},
		{sizeName(100), "100 B"},
		{sizeName(16 << 10), "16 KiB"},
		{sizeName(1 << 20), "1 MiB"},
		{fmt.Sprint(median([]float64{3, 1, 2})), "2"},
		{fmt.Sprint(median([]float64{4, 1, 3, 2})), "2.5"},
		{fmt.Sprint(median(nil)), "0"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
