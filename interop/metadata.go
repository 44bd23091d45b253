package interop

import (
	"fmt"
	"strings"

	"grpcwire/wire"
)

// ParseAdditionalMetadata parses the value of the interop clients'
// --additional_metadata flag as grpc-go's client does: "key:value" pairs
// separated by ";", each split at its first ":", so that a value may hold
// any character but ";" (colons included); a ";" at the end is ignored,
// as grpc-go ignores it. Keys are lower-cased and must be
// valid metadata keys; a "-bin" key's value is taken as the raw bytes to
// send. The empty string is no metadata.
func ParseAdditionalMetadata(s string) (wire.Metadata, error) {
	md := make(wire.Metadata)
	if s == "" {
		return md, nil
	}
	for pair := range strings.SplitSeq(strings.TrimSuffix(s, ";"), ";") {
		k, v, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, fmt.Errorf("--additional_metadata: %q has no colon between key and value", pair)
		}
		k = strings.ToLower(k)
		if err := wire.ValidateKey(k); err != nil {
			return nil, fmt.Errorf("--additional_metadata: %w", err)
		}
		if !wire.IsBinaryKey(k) {
			if err := wire.ValidateValue(k, v); err != nil {
				return nil, fmt.Errorf("--additional_metadata: %w", err)
			}
		}
		md.Append(k, v)
	}
	return md, nil
}
