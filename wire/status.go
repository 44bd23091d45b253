package wire

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Status is the outcome of a call: the one error type at grpcwire's API
// edge. Handlers return it to choose the status a client sees, and clients
// get it back from every failed call, whatever went wrong underneath (see
// StatusOf).
//
// On the wire it is the Trailers production of PROTOCOL-HTTP2.md,
// "Trailers → Status [Status-Message] *Custom-Metadata": Code is grpc-status,
// Message is grpc-message (percent-encoded on the wire, see EncodeMessage),
// and Details travel in grpc-status-details-bin (see MarshalStatusDetails).
type Status struct {
	// Code is the status code, sent as grpc-status.
	Code Code
	// Message is the human-readable description, sent as grpc-message.
	Message string
	// Details are typed error details, sent in grpc-status-details-bin
	// as the details field of a google.rpc.Status.
	Details []*anypb.Any
	// Remote is true when the status was decoded from the peer's
	// grpc-status rather than produced locally, so that a reader of a log
	// can tell "the server said NOT_FOUND" from "our side failed the call".
	Remote bool

	// cause is the local failure the status stands for, when it was made by
	// Errorf from an error wrapped with %w (see Cause). It never travels.
	cause error
}

// NewStatus returns a local status with code c and message msg.
func NewStatus(c Code, msg string) *Status {
	return &Status{Code: c, Message: msg}
}

// Errorf returns a *Status with code c and a message formatted as by
// fmt.Errorf, ready to be returned from a handler. An error wrapped with %w
// becomes the status's Cause, for this side's programs to inspect; only the
// message travels. Errorf(OK, ...) returns nil, because an OK status is not
// an error and a non-nil error holding OK would make callers that test
// err != nil treat success as failure.
func Errorf(c Code, format string, a ...any) error {
	if c == OK {
		return nil
	}
	e := fmt.Errorf(format, a...)
	st := &Status{Code: c, Message: e.Error()}
	switch e.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		st.cause = e
	}
	return st
}

// Cause returns the local error the status was made from (what Errorf's %w
// wrapped), or nil: for a status from the peer, or one made without a
// wrapped error. The client puts why a connection could not be made here
// (a *client.ConnectError), so that a program can word its own advice.
//
// It is not Unwrap, on purpose: a status ends the error chain, so that
// errors.Is(err, io.EOF), which callers use to find a stream's clean end,
// can never be true of a call that failed because a connection attempt read
// io.EOF. Match the cause explicitly: errors.As(st.Cause(), &target).
func (s *Status) Cause() error {
	if s == nil {
		return nil
	}
	return s.cause
}

// Error formats the status for people: "grpc status NOT_FOUND: no such user".
// A status decoded from the peer says so, "grpc status NOT_FOUND (from peer):
// no such user", because where a failure happened is the first thing a reader
// needs to know.
func (s *Status) Error() string {
	if s == nil {
		return "grpc status OK"
	}
	msg := "grpc status " + s.Code.String()
	if s.Remote {
		msg += " (from peer)"
	}
	if s.Message != "" {
		msg += ": " + s.Message
	}
	return msg
}

// Err returns s as an error, or nil when s is nil or its code is OK, so that
// a status can be returned where Go code expects "nil means success".
func (s *Status) Err() error {
	if s == nil || s.Code == OK {
		return nil
	}
	return s
}

// WithDetails returns a copy of s with msgs appended to its details, each
// packed in a google.protobuf.Any (anypb.New). It fails for a nil or OK
// status, whose details would never be sent (Err drops an OK status), and
// when a message cannot be marshalled; s itself is never changed.
func (s *Status) WithDetails(msgs ...proto.Message) (*Status, error) {
	if s == nil || s.Code == OK {
		return nil, errors.New("wire: details need a status with a code other than OK; an OK status sends no details")
	}
	c := *s
	c.Details = make([]*anypb.Any, len(s.Details), len(s.Details)+len(msgs))
	copy(c.Details, s.Details)
	for _, m := range msgs {
		a, err := anypb.New(m)
		if err != nil {
			return nil, fmt.Errorf("wire: packing detail %T into google.protobuf.Any: %w", m, err)
		}
		c.Details = append(c.Details, a)
	}
	return &c, nil
}

// Is makes errors.Is(err, &Status{Code: NotFound}) true for any error whose
// status has code NotFound, whatever its message, details or origin: the code
// is what programs branch on, and messages are for people. Only a *Status
// target matches.
func (s *Status) Is(target error) bool {
	t, ok := target.(*Status)
	if !ok || s == nil || t == nil {
		return false
	}
	return s.Code == t.Code
}
