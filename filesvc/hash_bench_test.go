package filesvc_test

import (
	"crypto/sha256"
	"testing"

	"grpcwire/filesvc"
)

// BenchmarkChunkHash hashes chunks of filesvc.ChunkSize with SHA-256, as
// both ends of every transfer do with each chunk: the bound on one core of
// any transfer that checks its bytes (the README's "Moving a large file",
// Speed).
func BenchmarkChunkHash(b *testing.B) {
	chunk := make([]byte, filesvc.ChunkSize)
	h := sha256.New()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		h.Write(chunk)
	}
	h.Sum(nil)
}
