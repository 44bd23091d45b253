package pbtext

import (
	"math"
	"strconv"
	"testing"
)

// The expected spellings are Python's: repr(d) for doubles, and
// str(ToShortestFloat(f)) for floats, as text_format prints them.
func TestAppendDouble(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.1, "0.1"},
		{1, "1.0"},
		{-1, "-1.0"},
		{2.5, "2.5"},
		{100, "100.0"},
		{123456789, "123456789.0"},
		{1e15, "1000000000000000.0"},
		{1 << 53, "9007199254740992.0"},
		{1e16, "1e+16"},
		{1.5e300, "1.5e+300"},
		{1e22, "1e+22"},
		{1e100, "1e+100"},
		{0.0001, "0.0001"},
		{0.00012345, "0.00012345"},
		{1e-05, "1e-05"},
		{2.5e-07, "2.5e-07"},
		{5e-324, "5e-324"},
		{0.30000000000000004, "0.30000000000000004"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{math.Copysign(math.NaN(), -1), "nan"},
		{12.5e15, "1.25e+16"},
		{-1234.5678, "-1234.5678"},
	} {
		if got := string(appendDouble(nil, tc.f)); got != tc.want {
			t.Errorf("appendDouble(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestAppendFloat32(t *testing.T) {
	for _, tc := range []struct {
		f    float32
		want string
	}{
		{0, "0.0"},
		{float32(math.Copysign(0, -1)), "-0.0"},
		{0.1, "0.1"},
		{1, "1.0"},
		{0.3, "0.3"},
		{123456.7, "123456.7"},
		{16777216, "16777216.0"},
		{33554432, "33554432.0"},
		{1e16, "1e+16"},
		{1e-05, "1e-05"},
		{2.5e-07, "2.5e-07"},
		{math.MaxFloat32, "3.4028235e+38"},
		{math.SmallestNonzeroFloat32, "1.4013e-45"}, // six digits read back: the denormal is coarse
		{1.17549435e-38, "1.1754944e-38"},
		{float32(math.Inf(1)), "inf"},
		{float32(math.Inf(-1)), "-inf"},
		{float32(math.NaN()), "nan"},
	} {
		if got := string(appendFloat32(nil, tc.f)); got != tc.want {
			t.Errorf("appendFloat32(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

// TestAppendFloat32RoundTrips checks the property ToShortestFloat promises
// over many float32 bit patterns: the printed text reads back as the same
// float32.
func TestAppendFloat32RoundTrips(t *testing.T) {
	for bits := uint32(0); bits < math.MaxUint32-1<<20; bits += 1<<20 + 12345 {
		f := math.Float32frombits(bits)
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			continue
		}
		s := string(appendFloat32(nil, f))
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || float32(back) != f {
			t.Fatalf("appendFloat32(%v) = %q, which reads back as %v (%v)", f, s, float32(back), err)
		}
	}
}
