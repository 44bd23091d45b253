// Package buildcheck checks that a module builds for the operating systems
// grpcwire supports besides the one the tests run on: every module's tests
// call CrossBuild, so that a Unix-only call (syscall.Read on a socket, an
// rlimit) cannot creep into a package without a build tag and a portable
// fallback.
//
// The package is a test helper: it imports "testing" and is meant to be
// used only from _test.go files.
package buildcheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Targets are the GOOS/GOARCH pairs CrossBuild builds for: the two systems
// the README promises besides Linux, on their most common architectures.
var Targets = []struct{ GOOS, GOARCH string }{
	{"windows", "amd64"},
	{"darwin", "arm64"},
}

// Timeout bounds one cross-build. The first build for a target compiles the
// standard library and the dependencies for it (about a minute on a loaded
// 2-core machine); later ones come from the build cache in seconds.
const Timeout = 5 * time.Minute

// discardAnchor is the standard-library package CrossBuild adds to the
// packages it builds, so that go build never writes a binary (see
// CrossBuild); it is small and compiles for every target.
const discardAnchor = "errors"

// CrossBuild runs `go build ./...` in dir, the root of a module, for every
// target, with the go command of the toolchain running the test, and fails
// t with the compiler's output for each target that does not build.
func CrossBuild(t *testing.T, dir string) {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, tg := range Targets {
		t.Run(tg.GOOS+"_"+tg.GOARCH, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), Timeout)
			defer cancel()
			// With a second package on the command line, go build only
			// compiles and discards: for a module of one main package
			// (cmd/grpcwire), "go build ./..." alone would link a binary
			// for the target and leave it in the module's directory.
			cmd := exec.CommandContext(ctx, goCmd, "build", "./...", discardAnchor)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOOS="+tg.GOOS, "GOARCH="+tg.GOARCH, "CGO_ENABLED=0")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s go build ./... in %s: %v (after %v)\n%s",
					tg.GOOS, tg.GOARCH, dir, err, time.Since(start).Round(time.Millisecond), out)
			}
			t.Logf("GOOS=%s GOARCH=%s go build ./...: ok in %v", tg.GOOS, tg.GOARCH, time.Since(start).Round(time.Millisecond))
		})
	}
}
