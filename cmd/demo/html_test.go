package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/trace/tracetest"
)

// arrows counts the frames an HTML trace page draws.
func arrows(page string) int { return strings.Count(page, `<svg class="arrow"`) }

// TestHTMLTrace: -html on users-server, users-client and the demo draws
// each one's trace in a page of its own: one arrow per frame of the text
// trace, and the page ended once the program is done.
func TestHTMLTrace(t *testing.T) {
	dir := t.TempDir()
	serverPage, clientPage, demoPage := filepath.Join(dir, "server.html"), filepath.Join(dir, "client.html"), filepath.Join(dir, "demo.html")
	srv, _ := startServer(t, "-html", serverPage)
	code, stdout, stderr := runClient(t, "-addr", srv.Addr, "-trace", "-trace-times=false", "-html", clientPage)
	if code != 0 || stdout != testsvc.SeedOutput {
		t.Fatalf("users-client -trace -html: exit %d, stdout:\n%s", code, stdout)
	}
	frames := 0
	for _, f := range tracetest.Parse(stderr) {
		if !f.Open && !f.Note {
			frames++
		}
	}
	page := read(t, clientPage)
	if n := arrows(page); n != frames || frames < 15 {
		t.Errorf("the client's page draws %d arrows; its text trace has %d frames", n, frames)
	}
	if !strings.Contains(page, ":path = /users.Users/GetUsers") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("the client's page lacks the call or its end:\n%.300s", page)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	page = read(t, serverPage)
	if n := arrows(page); n < 15 || !strings.Contains(page, "traced at the server") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("the server's page: %d arrows\n%.300s", n, page)
	}

	var out, errOut testio.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if code, err := run(ctx, config{username: "tom", addr: "127.0.0.1:0", html: demoPage}, &out, &errOut); code != 0 || err != nil {
		t.Fatalf("demo -html: %d, %v\n%s", code, err, errOut.String())
	}
	if page := read(t, demoPage); arrows(page) < 15 || strings.Contains(errOut.String(), "c1 -> ") {
		t.Errorf("demo -html: %d arrows in the page; stderr (which must hold no trace without -trace):\n%s", arrows(page), errOut.String())
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
