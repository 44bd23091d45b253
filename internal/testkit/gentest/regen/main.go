// Command regen regenerates the committed Go code of .proto files in this
// repository: protoc-gen-go's messages and protoc-gen-go-grpcwire's stubs,
// both plugins built from this module so their versions are the pinned ones.
// It needs protoc on PATH (Debian: apt-get install protobuf-compiler).
//
//	go run grpcwire/internal/testkit/gentest/regen users.proto [more.proto ...]
//
// Paths are relative to the repository root, which is also protoc's import
// path; files land where their go_package says, relative to the root.
package main

import (
	"context"
	"fmt"
	"os"

	"grpcwire/internal/testkit/gentest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run grpcwire/internal/testkit/gentest/regen FILE.proto ... (paths relative to the repository root)")
		os.Exit(2)
	}
	if err := regen(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "regen:", err)
		os.Exit(1)
	}
}

// regen builds the plugins into a temporary directory and runs protoc.
func regen(protos []string) error {
	root, err := gentest.RepoRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "grpcwire-regen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	plugins, err := gentest.BuildPlugins(ctx, root, dir)
	if err != nil {
		return err
	}
	return gentest.Protoc(ctx, root, root, plugins, protos...)
}
