package wire

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestStatusError(t *testing.T) {
	for _, tc := range []struct {
		st   *Status
		want string
	}{
		{NewStatus(NotFound, "no such user"), "grpc status NOT_FOUND: no such user"},
		{&Status{Code: NotFound, Message: "no such user", Remote: true}, "grpc status NOT_FOUND (from peer): no such user"},
		{NewStatus(Internal, ""), "grpc status INTERNAL"},
		{&Status{Code: 42, Remote: true}, "grpc status CODE(42) (from peer)"},
	} {
		if got := tc.st.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrorf(t *testing.T) {
	err := Errorf(NotFound, "user %q", "ann")
	var st *Status
	if !errors.As(err, &st) || st.Code != NotFound || st.Message != `user "ann"` || st.Remote {
		t.Errorf("Errorf = %#v", err)
	}
	if err := Errorf(OK, "fine"); err != nil {
		t.Errorf("Errorf(OK) = %#v, want nil", err)
	}
}

// TestErrorfCause: an error wrapped with %w is the status's Cause, not
// reachable through errors.Is or errors.As on the status itself, so that a
// call that failed on io.EOF is never taken for a stream's clean end.
func TestErrorfCause(t *testing.T) {
	inner := fmt.Errorf("handshake: %w", io.EOF)
	err := Errorf(Unavailable, "cannot connect: %w", inner)
	st := StatusOf(err)
	if st.Message != "cannot connect: handshake: EOF" {
		t.Errorf("message %q", st.Message)
	}
	if !errors.Is(st.Cause(), inner) || !errors.Is(st.Cause(), io.EOF) {
		t.Errorf("Cause() = %v, want the wrapped %v", st.Cause(), inner)
	}
	if errors.Is(err, io.EOF) {
		t.Error("errors.Is(status, io.EOF) is true; the status must end the chain")
	}
	if c := StatusOf(Errorf(Internal, "no cause: %v", inner)).Cause(); c != nil {
		t.Errorf("Cause() of a status made with %%v = %v, want nil", c)
	}
	if c := (*Status)(nil).Cause(); c != nil {
		t.Errorf("nil status's Cause() = %v", c)
	}
	if c := StatusFromTrailer("14", "from the peer", "", false).Cause(); c != nil {
		t.Errorf("a peer's status has Cause() = %v, want nil", c)
	}
}

func TestStatusErr(t *testing.T) {
	var nilStatus *Status
	if err := nilStatus.Err(); err != nil {
		t.Errorf("nil.Err() = %#v, want untyped nil", err)
	}
	if err := NewStatus(OK, "x").Err(); err != nil {
		t.Errorf("OK.Err() = %#v, want nil", err)
	}
	st := NewStatus(Aborted, "x")
	if err := st.Err(); err != st {
		t.Errorf("Err() = %#v, want the status itself", err)
	}
}

func TestStatusIs(t *testing.T) {
	err := fmt.Errorf("saving: %w", &Status{Code: NotFound, Message: "gone", Remote: true})
	if !errors.Is(err, &Status{Code: NotFound}) {
		t.Error("errors.Is does not match on code")
	}
	if !errors.Is(err, NewStatus(NotFound, "another message")) {
		t.Error("errors.Is compares messages; it should compare codes only")
	}
	if errors.Is(err, &Status{Code: Internal}) {
		t.Error("errors.Is matches a different code")
	}
	if errors.Is(err, errors.New("grpc status NOT_FOUND (from peer): gone")) {
		t.Error("errors.Is matches a non-Status target")
	}
}

func TestWithDetails(t *testing.T) {
	st := NewStatus(InvalidArgument, "bad")
	d1, err := st.WithDetails(wrapperspb.String("field a"))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := d1.WithDetails(durationpb.New(3), wrapperspb.Int64(7))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Details) != 0 || len(d1.Details) != 1 || len(d2.Details) != 3 {
		t.Fatalf("details: original %d, d1 %d, d2 %d; want 0, 1, 3", len(st.Details), len(d1.Details), len(d2.Details))
	}
	if d2.Code != InvalidArgument || d2.Message != "bad" {
		t.Errorf("WithDetails changed code or message: %v", d2)
	}
	var s wrapperspb.StringValue
	if err := d2.Details[0].UnmarshalTo(&s); err != nil || s.GetValue() != "field a" {
		t.Errorf("detail 0 = %v, %v", &s, err)
	}
	if got := d2.Details[1].GetTypeUrl(); got != "type.googleapis.com/google.protobuf.Duration" {
		t.Errorf("detail 1 type URL = %q", got)
	}
	if _, err := NewStatus(OK, "").WithDetails(wrapperspb.Bool(true)); err == nil {
		t.Error("WithDetails on OK succeeded")
	}
	var nilStatus *Status
	if _, err := nilStatus.WithDetails(); err == nil {
		t.Error("WithDetails on nil succeeded")
	}
	var nilMsg proto.Message = (*wrapperspb.BoolValue)(nil)
	_, _ = st.WithDetails(nilMsg) // must not panic
}
