package wire

import (
	"math"
	"strconv"
	"time"
)

// grpc-timeout, PROTOCOL-HTTP2.md "Requests":
//
//	Timeout → "grpc-timeout" TimeoutValue TimeoutUnit
//	TimeoutValue → {positive integer as ASCII string of at most 8 digits}
//	TimeoutUnit → Hour / Minute / Second / Millisecond / Microsecond / Nanosecond
//
// "If Timeout is omitted a server should assume an infinite timeout."

// maxTimeoutValue is the largest TimeoutValue: "at most 8 digits".
const maxTimeoutValue = 99999999

// maxTimeoutDigits is the number of digits TimeoutValue may have at most.
const maxTimeoutDigits = 8

// timeoutUnits is the spec's TimeoutUnit production as a table, finest unit
// first, which is the order EncodeTimeout tries them in.
var timeoutUnits = []struct {
	unit byte          // the TimeoutUnit character
	d    time.Duration // what one unit lasts
}{
	{'n', time.Nanosecond},  // Nanosecond → "n"
	{'u', time.Microsecond}, // Microsecond → "u"
	{'m', time.Millisecond}, // Millisecond → "m"
	{'S', time.Second},      // Second → "S"
	{'M', time.Minute},      // Minute → "M"
	{'H', time.Hour},        // Hour → "H"
}

// EncodeTimeout returns the grpc-timeout value for a call with d left before
// its deadline.
//
// It picks the finest unit whose value fits the spec's 8 digits, so that
// precision is lost only when it must be, and it rounds up, so that the
// server never sees a deadline earlier than the client's: the client is the
// one that fails the call with DEADLINE_EXCEEDED, and a server deadline that
// fires first would turn that into a CANCELLED race (PROTOCOL-HTTP2.md,
// "Client Cancellation"). For example 100ms is 100000000 nanoseconds, one
// digit too many, so it is sent as "100000u".
//
// A d of zero or less, a deadline already past, gives "1n": TimeoutValue is a
// "positive integer", so "0n" (which grpc-go sends) is not valid, and one
// nanosecond expires at once on any server. Durations too long for 8 digits of
// hours are clamped at "99999999H"; no time.Duration is that long, so this
// only guards the invariant.
func EncodeTimeout(d time.Duration) string {
	if d <= 0 {
		return "1n"
	}
	for _, u := range timeoutUnits {
		v := d / u.d
		if d%u.d != 0 {
			v++
		}
		if v <= maxTimeoutValue {
			return strconv.FormatInt(int64(v), 10) + string(u.unit)
		}
	}
	return strconv.Itoa(maxTimeoutValue) + "H"
}

// ParseTimeout parses a grpc-timeout value into the time left for the call.
//
// It accepts what the grammar allows and nothing else: 1 to 8 ASCII digits
// followed by one of the six units. A sign, a space, a ninth digit or an
// unknown unit is an error. A value of zero is accepted (grpc-go sends "0n"
// for a deadline already past) and means the deadline has expired. A value
// whose duration does not fit in a time.Duration (possible only with "H")
// saturates at the largest Duration, which is as good as no deadline.
//
// The error is a *Status carrying the code a server answers with: grpc-go's
// server (internal/transport/http2_server.go, operateHeaders) rejects the
// request with INTERNAL "malformed grpc-timeout: ..." and HTTP status 400,
// and this follows it.
func ParseTimeout(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, timeoutError(s, "it needs 1 to 8 digits followed by a unit (n, u, m, S, M or H)")
	}
	digits, unit := s[:len(s)-1], s[len(s)-1]
	var per time.Duration
	for _, u := range timeoutUnits {
		if u.unit == unit {
			per = u.d
			break
		}
	}
	if per == 0 {
		return 0, timeoutError(s, "the unit must be one of n, u, m, S, M, H")
	}
	if len(digits) > maxTimeoutDigits {
		return 0, timeoutError(s, "the value has more than 8 digits")
	}
	var v int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, timeoutError(s, "the value must be ASCII digits only, without sign or spaces")
		}
		v = v*10 + int64(c-'0')
	}
	if v > math.MaxInt64/int64(per) {
		return time.Duration(math.MaxInt64), nil
	}
	return time.Duration(v) * per, nil
}

// timeoutError is the error of ParseTimeout: the status a server answers a
// malformed grpc-timeout with.
func timeoutError(value, why string) error {
	return &Status{
		Code:    Internal,
		Message: "malformed grpc-timeout " + strconv.Quote(value) + ": " + why,
	}
}
