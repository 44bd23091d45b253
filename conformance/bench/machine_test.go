package bench

import (
	"slices"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"0", []int{0}, true},
		{"0-1", []int{0, 1}, true},
		{"0-3,8,10-11", []int{0, 1, 2, 3, 8, 10, 11}, true},
		{"5-5", []int{5}, true},
		{"", nil, false},
		{"a", nil, false},
		{"3-1", nil, false},
		{"1-", nil, false},
		{"1,,2", nil, false},
		{"0-99999999", nil, false},
		{"-1", nil, false},
	} {
		got, err := ParseCPUList(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseCPUList(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0", "0-1", "0-3,8,10-11", "3-1", "1,,2", "0-99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cpus, err := ParseCPUList(s)
		if err != nil {
			return
		}
		if len(cpus) == 0 {
			t.Fatalf("ParseCPUList(%q) accepted with no CPU", s)
		}
		for _, c := range cpus {
			if c < 0 || c >= maxCPU {
				t.Fatalf("ParseCPUList(%q) gave negative CPU %d", s, c)
			}
		}
	})
}

// TestDescribeMachine checks what the report's header needs on Linux.
func TestDescribeMachine(t *testing.T) {
	m := DescribeMachine()
	if m.Cores < 1 || m.GoVersion == "" {
		t.Errorf("DescribeMachine() = %+v", m)
	}
	if m.Cores < len(AllowedCPUs()) {
		t.Errorf("%d cores, but %d CPUs allowed", m.Cores, len(AllowedCPUs()))
	}
}
