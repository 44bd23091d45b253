package wire

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestEncodeTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{-time.Second, "1n"}, // deadline already past: the smallest valid value
		{0, "1n"},
		{1, "1n"},
		{999, "999n"},
		{99999999, "99999999n"},               // 8 digits fit
		{100000000, "100000u"},                // 9 digits do not: next unit
		{100000001, "100001u"},                // rounded up, never shorter
		{time.Second, "1000000u"},             // 1s
		{1500 * time.Millisecond, "1500000u"}, // 1.5s
		{99999999 * time.Microsecond, "99999999u"},
		{99999999*time.Microsecond + 1, "100000m"},
		{100 * time.Second, "100000m"},
		{99999999 * time.Millisecond, "99999999m"},
		{99999999*time.Millisecond + 1, "100000S"},
		{99999999 * time.Second, "99999999S"},
		{99999999*time.Second + 1, "1666667M"},
		{24 * time.Hour, "86400000m"},
		{time.Duration(math.MaxInt64), "2562048H"}, // largest Duration, rounded up
	} {
		got := EncodeTimeout(tc.in)
		if got != tc.want {
			t.Errorf("EncodeTimeout(%v) = %q, want %q", tc.in, got, tc.want)
			continue
		}
		back, err := ParseTimeout(got)
		if err != nil {
			t.Errorf("ParseTimeout(EncodeTimeout(%v) = %q): %v", tc.in, got, err)
		} else if back < tc.in {
			t.Errorf("ParseTimeout(EncodeTimeout(%v)) = %v, shorter than the original", tc.in, back)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"1S", time.Second}, // the spec's example
		{"1n", 1},
		{"0n", 0}, // grpc-go sends it for an expired deadline
		{"100000u", 100 * time.Millisecond},
		{"250m", 250 * time.Millisecond},
		{"3M", 3 * time.Minute},
		{"2H", 2 * time.Hour},
		{"00000001S", time.Second}, // 8 digits with leading zeros
		{"99999999n", 99999999},
		{"99999999M", 99999999 * time.Minute},       // fits in a Duration
		{"99999999H", time.Duration(math.MaxInt64)}, // saturates
		{"2562048H", time.Duration(math.MaxInt64)},  // just over: saturates
		{"2562047H", 2562047 * time.Hour},           // just under
	} {
		got, err := ParseTimeout(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTimeout(%q) = %v, %v; want %v, nil", tc.in, got, err, tc.want)
		}
	}
}

func TestParseTimeoutRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"S",          // no digits
		"1",          // no unit
		"10",         // no unit
		"123456789S", // 9 digits
		"1s",         // unknown unit (lower-case s)
		"1h",
		"1x",
		"+1S", // sign
		"-1S",
		" 1S", // spaces
		"1 S",
		"1S ",
		"1.5S", // not an integer
		"1e3m",
		"１S", // fullwidth digit
	} {
		d, err := ParseTimeout(in)
		if err == nil {
			t.Errorf("ParseTimeout(%q) = %v, nil; want an error", in, d)
			continue
		}
		var st *Status
		if !errors.As(err, &st) || st.Code != Internal || st.Remote {
			t.Errorf("ParseTimeout(%q) error = %#v, want a local *Status with code INTERNAL", in, err)
		}
	}
}

// TestTimeoutUnitsTable walks every row of the TimeoutUnit table.
func TestTimeoutUnitsTable(t *testing.T) {
	want := map[byte]time.Duration{
		'H': time.Hour, 'M': time.Minute, 'S': time.Second,
		'm': time.Millisecond, 'u': time.Microsecond, 'n': time.Nanosecond,
	}
	if len(timeoutUnits) != len(want) {
		t.Fatalf("timeoutUnits has %d rows, the spec has %d units", len(timeoutUnits), len(want))
	}
	for i, u := range timeoutUnits {
		if want[u.unit] != u.d {
			t.Errorf("unit %q lasts %v, want %v", u.unit, u.d, want[u.unit])
		}
		if i > 0 && timeoutUnits[i-1].d >= u.d {
			t.Errorf("timeoutUnits is not finest first at row %d", i)
		}
		if got, err := ParseTimeout("7" + string(u.unit)); err != nil || got != 7*u.d {
			t.Errorf("ParseTimeout(7%c) = %v, %v", u.unit, got, err)
		}
	}
}
