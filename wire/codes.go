package wire

import "strconv"

// Code is a gRPC status code as carried by the grpc-status trailer.
//
// doc/statuscodes.md: "All RPCs started at a client return a status object
// composed of an integer code and a string message." The values are those of
// google.rpc.Code; the wire carries them in decimal (see ParseCode).
type Code uint32

// The 17 status codes of gRPC. doc/statuscodes.md lists which of them the
// library itself generates; the rest (InvalidArgument, NotFound,
// AlreadyExists, FailedPrecondition, Aborted, OutOfRange, DataLoss) are only
// ever produced by applications.
const (
	// OK is returned on success. "Status must be sent in Trailers even if
	// the status code is OK."
	OK Code = 0
	// Canceled means the call was cancelled, typically by the caller. Its
	// canonical name is spelled "CANCELLED".
	Canceled Code = 1
	// Unknown is the code for errors that carry no better code, and for a
	// grpc-status the client cannot parse.
	Unknown Code = 2
	// InvalidArgument means the client sent an argument that is wrong
	// whatever the state of the system.
	InvalidArgument Code = 3
	// DeadlineExceeded means the deadline expired before the operation
	// completed.
	DeadlineExceeded Code = 4
	// NotFound means a requested entity was not found.
	NotFound Code = 5
	// AlreadyExists means an entity the client tried to create exists.
	AlreadyExists Code = 6
	// PermissionDenied means the caller may not execute the operation.
	PermissionDenied Code = 7
	// ResourceExhausted means a resource ran out, such as a message size
	// limit or a quota.
	ResourceExhausted Code = 8
	// FailedPrecondition means the system is not in the state the operation
	// requires.
	FailedPrecondition Code = 9
	// Aborted means the operation was aborted, typically by a concurrency
	// conflict.
	Aborted Code = 10
	// OutOfRange means the operation went past the valid range.
	OutOfRange Code = 11
	// Unimplemented means the method is not implemented or not supported,
	// including an unknown method or an unsupported compression.
	Unimplemented Code = 12
	// Internal means an invariant of the system or the protocol broke.
	Internal Code = 13
	// Unavailable means the service is currently unavailable; the call can
	// usually be retried.
	Unavailable Code = 14
	// DataLoss means unrecoverable data loss or corruption.
	DataLoss Code = 15
	// Unauthenticated means the request lacks valid credentials.
	Unauthenticated Code = 16
)

// codeNames holds the canonical names of the codes, as spelled in
// doc/statuscodes.md and google.rpc.Code ("CANCELLED" with two Ls).
var codeNames = [...]string{
	OK:                 "OK",
	Canceled:           "CANCELLED",
	Unknown:            "UNKNOWN",
	InvalidArgument:    "INVALID_ARGUMENT",
	DeadlineExceeded:   "DEADLINE_EXCEEDED",
	NotFound:           "NOT_FOUND",
	AlreadyExists:      "ALREADY_EXISTS",
	PermissionDenied:   "PERMISSION_DENIED",
	ResourceExhausted:  "RESOURCE_EXHAUSTED",
	FailedPrecondition: "FAILED_PRECONDITION",
	Aborted:            "ABORTED",
	OutOfRange:         "OUT_OF_RANGE",
	Unimplemented:      "UNIMPLEMENTED",
	Internal:           "INTERNAL",
	Unavailable:        "UNAVAILABLE",
	DataLoss:           "DATA_LOSS",
	Unauthenticated:    "UNAUTHENTICATED",
}

// String returns the canonical name of c ("NOT_FOUND"), so that logs and
// error messages read like the spec. A value outside the 17 known codes,
// which a peer may legally send, prints as "CODE(99)".
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "CODE(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// ParseCode parses the value of a grpc-status header field.
//
// PROTOCOL-HTTP2.md: "Status → "grpc-status" 1*DIGIT ; 0-9" and "The value
// portion of Status is a decimal-encoded integer as an ASCII string, without
// any leading zeros." So "0" is OK but "00", "01", "+1", " 1" and a value that
// does not fit in 32 bits are not status values. doc/statuscodes.md makes
// "Error parsing returned status" UNKNOWN at the client, so anything
// unparsable yields Unknown. A well-formed number above 16 is returned as is:
// it is a code this library does not know, not a parse error.
func ParseCode(s string) Code {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return Unknown
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return Unknown
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<32-1 {
		return Unknown
	}
	return Code(v)
}

// CodeByName returns the code whose canonical name is name ("NOT_FOUND" gives
// NotFound), for command lines and interop flags that name codes. Names are
// matched exactly, in upper case, as doc/statuscodes.md spells them.
func CodeByName(name string) (Code, bool) {
	for c, n := range codeNames {
		if n == name {
			return Code(c), true
		}
	}
	return 0, false
}
