package userspb

// users.pb.go (protoc-gen-go) and users_grpcwire.pb.go (protoc-gen-go-grpcwire)
// are generated from ../users.proto and committed. To regenerate them, with
// protoc on PATH, run go generate in this directory; it is the same as
//
//	protoc -I. --go_out=. --go_opt=module=grpcwire \
//	       --go-grpcwire_out=. --go-grpcwire_opt=module=grpcwire users.proto
//
// from the repository root with both plugins built from this module.
// go test ./cmd/protoc-gen-go-grpcwire fails when users_grpcwire.pb.go is
// stale, without needing protoc.

//go:generate go run grpcwire/internal/testkit/gentest/regen users.proto
