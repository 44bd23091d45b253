//go:build race

package framing_test

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random (so pooled paths allocate) and slows compression tenfold.
const raceEnabled = true
