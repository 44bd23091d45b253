package framing

// Identity is the "identity" codec: it copies bytes unchanged. It exists so
// that "identity" can be looked up and listed in grpc-accept-encoding like any
// other encoding; the writer sends Compressed-Flag 0 when given it, and the
// reader treats it as no encoding at all.
var Identity Codec = identityCodec{}

type identityCodec struct{}

// Name returns "identity".
func (identityCodec) Name() string { return identityName }

// AppendCompressed appends src to dst unchanged.
func (identityCodec) AppendCompressed(dst, src []byte) ([]byte, error) {
	return append(dst, src...), nil
}

// AppendDecompressed appends src to dst unchanged, failing with a
// *TooLargeError (Decompressed set) when src is longer than limit.
func (identityCodec) AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	if limit >= 0 && len(src) > limit {
		return dst, &TooLargeError{Length: int64(len(src)), Limit: limit, Decompressed: true}
	}
	return append(dst, src...), nil
}
