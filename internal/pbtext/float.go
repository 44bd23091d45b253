package pbtext

import (
	"math"
	"strconv"
)

// Python's repr of a float switches to scientific notation when the decimal
// exponent (of d.ddd × 10^exp) is below reprMinExp or at least reprMaxExp:
// repr(1e15) is "1000000000000000.0", repr(1e16) is "1e+16", repr(0.0001) is
// "0.0001", repr(1e-05) is "1e-05".
const (
	reprMinExp = -4
	reprMaxExp = 16
)

// float32MinDigits is where text_format's ToShortestFloat starts: "All 4
// byte floats have between 6 and 9 significant digits, so we start with 6
// as the lower bound."
const float32MinDigits = 6

// appendDouble appends a double as text_format does, with Python's str(),
// which for floats is repr(): the shortest digits that read back as the same
// double.
func appendDouble(dst []byte, f float64) []byte {
	return appendRepr(dst, f)
}

// appendFloat32 appends a float as text_format does: ToShortestFloat rounds
// it to the fewest significant digits, 6 or more, whose %g reads back (as a
// double, then rounded to float32) as the same float32, and str() prints
// that double. Six digits are not always the shortest: 1e-45 prints as
// "1.4013e-45".
func appendFloat32(dst []byte, f float32) []byte {
	if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) {
		return appendRepr(dst, float64(f))
	}
	var r float64
	for prec := float32MinDigits; ; prec++ {
		r, _ = strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', prec, 64), 64)
		if float32(r) == f {
			break
		}
	}
	return appendRepr(dst, r)
}

// appendRepr appends Python's repr of a float: "nan", "inf", "-inf"; else
// the shortest round-trip digits, in positional notation with at least one
// digit after the point ("1.0", "0.0001") or, outside [1e-4, 1e16), as
// "d.ddde±XX" with no ".0" and at least two exponent digits ("1e+16",
// "2.5e-07").
func appendRepr(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	// Shortest digits and exponent: "d.ddde±XX".
	e := strconv.FormatFloat(f, 'e', -1, 64)
	var digits []byte
	i := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
	}
	exp, _ := strconv.Atoi(e[i+1:])
	if exp < reprMinExp || exp >= reprMaxExp {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	switch {
	case exp < 0: // 0.000ddd
		dst = append(dst, "0."...)
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case exp+1 >= len(digits): // ddd000.0
		dst = append(dst, digits...)
		for range exp + 1 - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	}
	dst = append(dst, digits[:exp+1]...) // dd.ddd
	dst = append(dst, '.')
	return append(dst, digits[exp+1:]...)
}
