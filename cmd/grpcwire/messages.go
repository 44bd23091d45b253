package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"grpcwire/internal/pbtext"
)

// jsonStream reads request messages written as JSON objects one after
// another ('{"a": 1} {"a": 2}', or one per line), in protobuf's JSON
// mapping: field names in lowerCamelCase or as in the .proto file, 64-bit
// integers as numbers or strings, bytes in base64, enums by name.
type jsonStream struct {
	dec  *json.Decoder
	what string // where the JSON comes from: "the JSON argument", "stdin"
	n    int    // messages read so far
	opts protojson.UnmarshalOptions
}

// newJSONStream reads from r, resolving the types of google.protobuf.Any
// values with resolver (the program's own types when it is nil).
func newJSONStream(r io.Reader, what string, resolver *typeResolver) *jsonStream {
	s := &jsonStream{dec: json.NewDecoder(r), what: what}
	if resolver != nil {
		s.opts.Resolver = resolver
	}
	return s
}

// next reads the next message of type md; io.EOF when the stream holds no
// more. The error names the message's place in the stream.
func (s *jsonStream) next(md protoreflect.MessageDescriptor) (*dynamicpb.Message, error) {
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("request %d in %s is not JSON: %v", s.n+1, s.what, err)
	}
	s.n++
	m := dynamicpb.NewMessage(md)
	if err := s.opts.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("request %d in %s is not a %s: %v", s.n, s.what, md.FullName(), err)
	}
	return m, nil
}

// all reads every message left in the stream.
func (s *jsonStream) all(md protoreflect.MessageDescriptor) ([]*dynamicpb.Message, error) {
	var msgs []*dynamicpb.Message
	for {
		m, err := s.next(md)
		if errors.Is(err, io.EOF) {
			return msgs, nil
		}
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
}

// Output formats of -format.
const (
	formatJSON = "json"
	formatText = "text"
)

// formatMessage writes a response as the -format flag asks:
//
//   - json: protobuf's JSON mapping, indented by two spaces. protojson's
//     own output varies its spacing from build to build on purpose, to keep
//     programs from depending on it; re-indenting it with encoding/json
//     makes the output the same for every build, so the README's examples
//     and scripts' diffs hold.
//   - text: the protobuf text format as Python's print(message) writes it
//     (the seed tutorial's client does), with a blank line after each
//     message.
func formatMessage(m proto.Message, format string, resolver *typeResolver) ([]byte, error) {
	if format == formatText {
		return append(pbtext.Append(nil, m), '\n'), nil
	}
	b, err := marshalOptions(resolver).Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// compactJSON writes m as JSON on one line, the same for every build.
func compactJSON(m proto.Message, resolver *typeResolver) (string, error) {
	b, err := marshalOptions(resolver).Marshal(m)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return "", err
	}
	return out.String(), nil
}

// marshalOptions resolves the types of google.protobuf.Any values with
// resolver, or with the program's own types when it is nil.
func marshalOptions(resolver *typeResolver) protojson.MarshalOptions {
	if resolver == nil {
		return protojson.MarshalOptions{}
	}
	return protojson.MarshalOptions{Resolver: resolver}
}
