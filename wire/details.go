package wire

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/anypb"
)

// grpc-status-details-bin carries a google.rpc.Status in binary metadata
// (base64 on the wire, like every "-bin" value). PROTOCOL-HTTP2.md does not
// name it; it is the convention of grpc-go, grpc-java and grpc-core, so the
// message must be byte-compatible with google/rpc/status.proto:
//
//	message Status {
//	  int32 code = 1;
//	  string message = 2;
//	  repeated google.protobuf.Any details = 3;
//	}
//	message Any {            // google/protobuf/any.proto
//	  string type_url = 1;
//	  bytes value = 2;
//	}
//
// It is encoded by hand with protowire rather than through generated code so
// that grpcwire needs no genproto module and registers no google.rpc.Status
// in the global protobuf registry, where it would clash with the program's
// own copy if it links genproto.

// Field numbers of google.rpc.Status and google.protobuf.Any.
const (
	statusCodeField    protowire.Number = 1
	statusMessageField protowire.Number = 2
	statusDetailsField protowire.Number = 3
	anyTypeURLField    protowire.Number = 1
	anyValueField      protowire.Number = 2
)

// MarshalStatusDetails encodes s as a google.rpc.Status, the bytes of a
// grpc-status-details-bin value before base64 (see EncodeBinary). Fields at
// their zero value are left out, as proto3 does, so a nil status or an OK
// status with no message encodes as no bytes at all. Nil details are
// skipped. proto3 strings must be UTF-8 and peers (grpc-go among them) reject
// the whole message otherwise, so invalid UTF-8 in the message or a type URL
// is replaced with U+FFFD; the readable grpc-message header keeps every byte.
func MarshalStatusDetails(s *Status) []byte {
	if s == nil {
		return nil
	}
	var b []byte
	if s.Code != OK {
		// int32 on the wire: a code above MaxInt32 goes out as the negative
		// int32 with the same bits, sign-extended to 10 bytes as protobuf
		// does, and comes back as the same Code.
		b = protowire.AppendTag(b, statusCodeField, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(int32(s.Code))))
	}
	if s.Message != "" {
		b = protowire.AppendTag(b, statusMessageField, protowire.BytesType)
		b = protowire.AppendString(b, validUTF8(s.Message))
	}
	for _, d := range s.Details {
		if d == nil {
			continue
		}
		b = protowire.AppendTag(b, statusDetailsField, protowire.BytesType)
		b = protowire.AppendBytes(b, marshalAny(d))
	}
	return b
}

// marshalAny encodes one google.protobuf.Any, keeping its unknown fields.
func marshalAny(a *anypb.Any) []byte {
	var b []byte
	if a.TypeUrl != "" {
		b = protowire.AppendTag(b, anyTypeURLField, protowire.BytesType)
		b = protowire.AppendString(b, validUTF8(a.TypeUrl))
	}
	if len(a.Value) > 0 {
		b = protowire.AppendTag(b, anyValueField, protowire.BytesType)
		b = protowire.AppendBytes(b, a.Value)
	}
	return append(b, a.ProtoReflect().GetUnknown()...)
}

// validUTF8 returns s with every invalid UTF-8 sequence replaced by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// UnmarshalStatusDetails decodes a google.rpc.Status (the bytes of a
// grpc-status-details-bin value after base64, see DecodeBinary). Like any
// protobuf parser it skips unknown fields and fields of an unexpected wire
// type, and keeps the last value of a repeated scalar. It is lenient about
// UTF-8 in strings, unlike generated proto3 code, so that a sloppy peer's
// details are not lost. It fails only when the bytes are not protobuf at all,
// and the error says where.
func UnmarshalStatusDetails(b []byte) (code Code, msg string, details []*anypb.Any, err error) {
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return 0, "", nil, detailsError(off, n)
		}
		off += n
		switch {
		case num == statusCodeField && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b[off:])
			if n < 0 {
				return 0, "", nil, detailsError(off, n)
			}
			off += n
			code = Code(uint32(int32(v)))
		case num == statusMessageField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b[off:])
			if n < 0 {
				return 0, "", nil, detailsError(off, n)
			}
			off += n
			msg = string(v)
		case num == statusDetailsField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b[off:])
			if n < 0 {
				return 0, "", nil, detailsError(off, n)
			}
			a, err := unmarshalAny(v)
			if err != nil {
				return 0, "", nil, fmt.Errorf("wire: grpc-status-details-bin is not a google.rpc.Status message: the detail at byte %d is not a google.protobuf.Any: %w", off, err)
			}
			off += n
			details = append(details, a)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b[off:])
			if n < 0 {
				return 0, "", nil, detailsError(off, n)
			}
			off += n
		}
	}
	return code, msg, details, nil
}

// unmarshalAny decodes one google.protobuf.Any, keeping unknown fields.
func unmarshalAny(b []byte) (*anypb.Any, error) {
	a := &anypb.Any{}
	var unknown []byte
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		start := off
		off += n
		switch {
		case num == anyTypeURLField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b[off:])
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			off += n
			a.TypeUrl = string(v)
		case num == anyValueField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b[off:])
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			off += n
			a.Value = append([]byte(nil), v...)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b[off:])
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			off += n
			unknown = append(unknown, b[start:off]...)
		}
	}
	if unknown != nil {
		a.ProtoReflect().SetUnknown(unknown)
	}
	return a, nil
}

// detailsError describes a protowire parse failure at byte off.
func detailsError(off, n int) error {
	return fmt.Errorf("wire: grpc-status-details-bin is not a google.rpc.Status message: %w (at byte %d)", protowire.ParseError(n), off)
}

// StatusFromTrailer is what a client makes of the status fields it received
// together in Trailers or Trailers-Only: statusValue is grpc-status,
// messageValue grpc-message (still percent-encoded), and detailsBinValue
// grpc-status-details-bin as it came on the wire (base64, padded or not),
// meaningful only when haveDetails says that field was present. The result
// has Remote set when the code came from a well-formed grpc-status.
//
// The rules, in order:
//
//   - A missing or malformed grpc-status gives UNKNOWN (doc/statuscodes.md,
//     "Error parsing returned status | UNKNOWN | Client"), with a message
//     that says which and keeps the peer's grpc-message after it.
//   - Details that are not base64 or not a google.rpc.Status are ignored,
//     and the status stands on grpc-status and grpc-message alone: the spec
//     forbids throwing the message away, and losing optional details is the
//     smaller harm.
//   - Details whose code equals grpc-status are used: they give the status
//     its details and its message (grpc-message is kept when the details
//     message is empty).
//   - Details whose code contradicts grpc-status make the status INTERNAL,
//     with a message naming both codes and the peer's message, and no
//     details. The spec is silent here; grpc-go (internal/status,
//     NewWithProto) does the same. Trusting either field would hide a
//     broken peer or a proxy that rewrote one header but not the other, and
//     a program that branches on the code must not act on a code that the
//     peer itself did not agree on; INTERNAL marks it as a protocol fault.
func StatusFromTrailer(statusValue, messageValue, detailsBinValue string, haveDetails bool) *Status {
	msg := DecodeMessage(messageValue)
	code := ParseCode(statusValue)
	switch {
	case statusValue == "":
		return &Status{Code: Unknown, Message: joinMessage("the peer's trailers carry no grpc-status", msg)}
	case code == Unknown && statusValue != "2":
		return &Status{Code: Unknown, Message: joinMessage(fmt.Sprintf("the peer sent a malformed grpc-status %q (want a decimal number without sign or leading zeros)", statusValue), msg)}
	}
	st := &Status{Code: code, Message: msg, Remote: true}
	if !haveDetails {
		return st
	}
	raw, err := DecodeBinary(detailsBinValue)
	if err != nil {
		return st
	}
	dcode, dmsg, details, err := UnmarshalStatusDetails(raw)
	if err != nil {
		return st
	}
	if dcode != code {
		return &Status{
			Code: Internal,
			Message: fmt.Sprintf("the peer's grpc-status-details-bin says %v but its grpc-status says %v (grpc-message %q)",
				dcode, code, msg),
		}
	}
	if dmsg != "" {
		st.Message = dmsg
	}
	st.Details = details
	return st
}

// joinMessage appends the peer's message, if any, to a local explanation.
func joinMessage(local, peer string) string {
	if peer == "" {
		return local
	}
	return local + ": " + peer
}
