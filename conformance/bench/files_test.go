package bench

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFilesSection runs the files section once with small files, real
// processes and grpcwire's real programs, and checks that every transfer
// of every implementation worked and was measured, and that the report
// shows it. Its figures mean nothing.
func TestFilesSection(t *testing.T) {
	checkNoLeaks(t)
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin+string(filepath.Separator), "grpcwire/cmd/files", "grpcwire/cmd/files-server")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fc := &FilesConfig{
		Size:        3 << 20,
		RSSSizes:    []int64{1 << 20, 2 << 20},
		Dir:         t.TempDir(),
		Files:       filepath.Join(bin, "files"),
		FilesServer: filepath.Join(bin, "files-server"),
		Exe:         os.Args[0],
		Env:         []string{testRoleEnv + "=files"},
		ServerCPU:   -1,
		ClientCPU:   -1,
	}
	var progress bytes.Buffer
	res, err := Run(Config{Rounds: 1, Duration: time.Millisecond, Launcher: InProcLauncher{}, Files: fc, Progress: &progress, Command: "go test"})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Files
	check := func(what string, tr Transfer, size int64) {
		t.Helper()
		if tr.Err != "" || tr.Bytes != size || tr.Wall <= 0 || tr.ClientRSS <= 0 || tr.ServerRSS <= 0 || tr.ServerCPU <= 0 || tr.ClientCPU <= 0 {
			t.Errorf("%s: %+v", what, tr)
		}
	}
	for _, impl := range FileImpls {
		for _, dir := range []string{Upload, Download} {
			check(impl+" "+dir, f.Rounds[0][impl][dir], fc.Size)
		}
	}
	for _, size := range fc.RSSSizes {
		for _, impl := range []string{FileImplWire, FileImplGo} {
			for _, dir := range []string{Upload, Download} {
				check(sizeName(int(size))+" "+impl+" "+dir, f.RSS[size][impl][dir], size)
			}
		}
	}
	var md bytes.Buffer
	res.Markdown(&md)
	for _, want := range []string{
		"## Files: a 3 MiB file over loopback",
		"| upload | ",
		"| download | ",
		"| 2 MiB | download | ",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "## Failures") {
		t.Errorf("the report has failures:\n%s", md.String())
	}
	if entries, _ := os.ReadDir(fc.Dir); len(entries) > 0 {
		t.Errorf("the section left %d entries in its directory", len(entries))
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("progress:\n%s", progress.String())
	}
}
