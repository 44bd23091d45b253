// Package filespb holds the generated code of ../files.proto, grpcwire's
// file service: the messages (protoc-gen-go, files.pb.go) and the typed
// stubs (protoc-gen-go-grpcwire, files_grpcwire.pb.go). Both are committed.
// To regenerate them, with protoc on PATH (Debian: apt-get install
// protobuf-compiler), run go generate in this directory; it is the same as
//
//	protoc -I. --go_out=. --go_opt=module=grpcwire \
//	       --go-grpcwire_out=. --go-grpcwire_opt=module=grpcwire files.proto
//
// from the repository root with both plugins built from this module.
// go test ./cmd/protoc-gen-go-grpcwire fails when files_grpcwire.pb.go is
// stale, without needing protoc.
package filespb

//go:generate go run grpcwire/internal/testkit/gentest/regen files.proto
