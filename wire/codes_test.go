package wire

import (
	"strconv"
	"testing"
)

// TestCodeNames walks all 17 codes with their canonical names from
// google.rpc.Code / doc/statuscodes.md.
func TestCodeNames(t *testing.T) {
	want := []struct {
		code Code
		num  uint32
		name string
	}{
		{OK, 0, "OK"},
		{Canceled, 1, "CANCELLED"},
		{Unknown, 2, "UNKNOWN"},
		{InvalidArgument, 3, "INVALID_ARGUMENT"},
		{DeadlineExceeded, 4, "DEADLINE_EXCEEDED"},
		{NotFound, 5, "NOT_FOUND"},
		{AlreadyExists, 6, "ALREADY_EXISTS"},
		{PermissionDenied, 7, "PERMISSION_DENIED"},
		{ResourceExhausted, 8, "RESOURCE_EXHAUSTED"},
		{FailedPrecondition, 9, "FAILED_PRECONDITION"},
		{Aborted, 10, "ABORTED"},
		{OutOfRange, 11, "OUT_OF_RANGE"},
		{Unimplemented, 12, "UNIMPLEMENTED"},
		{Internal, 13, "INTERNAL"},
		{Unavailable, 14, "UNAVAILABLE"},
		{DataLoss, 15, "DATA_LOSS"},
		{Unauthenticated, 16, "UNAUTHENTICATED"},
	}
	if len(want) != len(codeNames) {
		t.Fatalf("codeNames has %d entries, the spec has %d codes", len(codeNames), len(want))
	}
	for _, w := range want {
		if uint32(w.code) != w.num {
			t.Errorf("%s = %d, want %d", w.name, w.code, w.num)
		}
		if got := w.code.String(); got != w.name {
			t.Errorf("Code(%d).String() = %q, want %q", w.num, got, w.name)
		}
		if got, ok := CodeByName(w.name); !ok || got != w.code {
			t.Errorf("CodeByName(%q) = %v, %v; want %v, true", w.name, got, ok, w.code)
		}
		if got := ParseCode(strconv.FormatUint(uint64(w.num), 10)); got != w.code {
			t.Errorf("ParseCode(%d) = %v, want %v", w.num, got, w.code)
		}
	}
}

func TestCodeStringUnknownValue(t *testing.T) {
	for _, tc := range []struct {
		code Code
		want string
	}{
		{17, "CODE(17)"},
		{99, "CODE(99)"},
		{4294967295, "CODE(4294967295)"},
	} {
		if got := tc.code.String(); got != tc.want {
			t.Errorf("Code(%d).String() = %q, want %q", uint32(tc.code), got, tc.want)
		}
	}
}

func TestCodeByNameRejects(t *testing.T) {
	for _, name := range []string{"", "not_found", "NotFound", "CANCELED", "CODE(17)", "OK ", "17"} {
		if c, ok := CodeByName(name); ok {
			t.Errorf("CodeByName(%q) = %v, true; want false", name, c)
		}
	}
}

// TestParseCode covers the grammar "grpc-status" 1*DIGIT, "without any
// leading zeros", and the places where implementations disagree.
func TestParseCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Code
	}{
		{"0", OK},
		{"5", NotFound},
		{"16", Unauthenticated},
		{"17", 17},                 // well-formed but unknown: returned as is
		{"99", 99},                 // likewise
		{"4294967295", 4294967295}, // largest uint32
		{"4294967296", Unknown},    // does not fit in 32 bits
		{"99999999999", Unknown},   // 11 digits
		{"00", Unknown},            // leading zero
		{"01", Unknown},            // leading zero
		{"+1", Unknown},            // sign
		{"-1", Unknown},            // sign
		{" 1", Unknown},            // space
		{"1 ", Unknown},            // space
		{"", Unknown},              // empty
		{"1a", Unknown},            // not a digit
		{"0x1", Unknown},           // not decimal
		{"１", Unknown},             // fullwidth digit
	} {
		if got := ParseCode(tc.in); got != tc.want {
			t.Errorf("ParseCode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
