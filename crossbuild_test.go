package grpcwire

import (
	"testing"

	"grpcwire/internal/testkit/buildcheck"
)

// TestCrossBuild: the root module builds for Windows and macOS too
// (GOOS=windows and GOOS=darwin go build ./...), as the README promises.
func TestCrossBuild(t *testing.T) { buildcheck.CrossBuild(t, ".") }
