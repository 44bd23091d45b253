package gentest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is the root module's path. Generated files are written with
// --*_opt=module=grpcwire, so a go_package of "grpcwire/userspb" lands in
// userspb/ under the repository root.
const ModulePath = "grpcwire"

// The plugins' package paths. protoc-gen-go is built from the module graph,
// so its version is the google.golang.org/protobuf version go.mod pins.
const (
	protocGenGo       = "google.golang.org/protobuf/cmd/protoc-gen-go"
	protocGenGrpcwire = ModulePath + "/cmd/protoc-gen-go-grpcwire"
)

// RepoRoot returns the directory holding the root module's go.mod, found by
// walking up from the working directory, so tests and go:generate work from
// any package directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module "+ModulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("gentest: no go.mod of module " + ModulePath + " above the working directory")
		}
		dir = parent
	}
}

// Plugins are the paths of the two protoc plugins built by BuildPlugins.
type Plugins struct {
	Go       string // protoc-gen-go
	Grpcwire string // protoc-gen-go-grpcwire
}

// BuildPlugins builds protoc-gen-go and protoc-gen-go-grpcwire from the
// module at root into dir.
func BuildPlugins(ctx context.Context, root, dir string) (Plugins, error) {
	p := Plugins{
		Go:       filepath.Join(dir, "protoc-gen-go"),
		Grpcwire: filepath.Join(dir, "protoc-gen-go-grpcwire"),
	}
	for pkg, out := range map[string]string{protocGenGo: p.Go, protocGenGrpcwire: p.Grpcwire} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return Plugins{}, fmt.Errorf("gentest: go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return p, nil
}

// ProtocArgs are protoc's arguments to generate the messages and stubs of
// protos (paths relative to root, which is also the import path) into out.
func ProtocArgs(root, out string, p Plugins, protos ...string) []string {
	args := []string{
		"-I" + root,
		"--plugin=protoc-gen-go=" + p.Go,
		"--plugin=protoc-gen-go-grpcwire=" + p.Grpcwire,
		"--go_out=" + out, "--go_opt=module=" + ModulePath,
		"--go-grpcwire_out=" + out, "--go-grpcwire_opt=module=" + ModulePath,
	}
	return append(args, protos...)
}

// Protoc runs protoc from PATH with ProtocArgs.
func Protoc(ctx context.Context, root, out string, p Plugins, protos ...string) error {
	cmd := exec.CommandContext(ctx, "protoc", ProtocArgs(root, out, p, protos...)...)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gentest: protoc %s: %v\n%s", strings.Join(protos, " "), err, msg)
	}
	return nil
}
