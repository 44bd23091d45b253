//go:build !unix

package bench

import "fmt"

// RaiseFileLimit has no RLIMIT_NOFILE to raise on this system: it reports
// that, and the memory workload's thousand connections may not fit.
func RaiseFileLimit() (uint64, error) {
	return 0, fmt.Errorf("bench: no RLIMIT_NOFILE on this system")
}
