package trace_test

import (
	"bytes"
	"context"

	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// chromiumTimeout bounds one run of headless Chromium: a few seconds on an
// idle machine, many more on a loaded one.
const chromiumTimeout = 2 * time.Minute

// chromium returns the path of a Chromium binary, or skips the test when
// there is none: locally the page's structure is still pinned by
// TestHTMLGolden and TestHTMLStructure. In CI (CI=true), where .ci/run
// installs Debian's chromium package, a missing browser fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "headless Chromium is not installed (the Debian package chromium: apt-get install -y chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why + "; .ci/run installs it")
	}
	t.Skip(why)
	return ""
}

// TestHTMLInChromium opens the page in a real browser, headless Chromium,
// and checks what it drew: the page's script put each connection's frames
// and notes into its own diagram and found every arrow laid out (the DOM
// Chromium dumps after loading), and the screenshot is not blank and shows
// the arrows in their streams' colours.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "trace.html")
	if err := os.WriteFile(page, samplePage(t), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "trace.png")
	ctx, cancel := context.WithTimeout(t.Context(), chromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1200,2400",
		"--screenshot="+shot, "--dump-dom", "file://"+page)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}

	dom, err := html.Parse(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	main := find(dom, func(n *html.Node) bool { return n.Data == "main" })
	if main == nil || attr(main, "data-drawn") != "22" {
		t.Errorf("the page's script did not find its 22 arrows laid out: <main> %v", main)
	}
	for id, want := range map[string][2]int{"c1": {17, 0}, "c2": {5, 1}} {
		sec := find(dom, func(n *html.Node) bool { return n.Data == "section" && attr(n, "id") == id })
		if sec == nil {
			t.Errorf("no section %s in the rendered page", id)
			continue
		}
		var frames, notes int
		for n := sec.FirstChild; n != nil; n = n.NextSibling {
			switch class := attr(n, "class"); {
			case strings.HasPrefix(class, "frame ") && attr(n, "data-conn") == id[1:]:
				frames++
			case class == "note":
				notes++
			}
		}
		if frames != want[0] || notes != want[1] {
			t.Errorf("section %s holds %d frames and %d notes, want %d and %d", id, frames, notes, want[0], want[1])
		}
	}

	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v\n%s", err, stderr.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	stream1 := hslRGB(137.508, 0.70, 0.36) // streamColour(1)
	stream3 := hslRGB(52.524, 0.70, 0.36)  // streamColour(3)
	grey := [3]int{0x6b, 0x6b, 0x6b}       // stream 0
	counts := map[string]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			px := [3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}
			if px != [3]int{255, 255, 255} {
				counts["ink"]++
			}
			for name, c := range map[string][3]int{"stream 1": stream1, "stream 3": stream3, "stream 0": grey} {
				if near(px, c) {
					counts[name]++
				}
			}
		}
	}
	total := b.Dx() * b.Dy()
	t.Logf("screenshot %dx%d: %d pixels not white; of the streams' colours: stream 0 %d, stream 1 %d, stream 3 %d",
		b.Dx(), b.Dy(), counts["ink"], counts["stream 0"], counts["stream 1"], counts["stream 3"])
	if counts["ink"] < total/50 {
		t.Errorf("the screenshot is nearly blank: %d of %d pixels are not white", counts["ink"], total)
	}
	// Each arrow is a line 2.5 px thick across the lane, over 300 px long.
	for _, name := range []string{"stream 0", "stream 1", "stream 3"} {
		if counts[name] < 2000 {
			t.Errorf("the screenshot has %d pixels of %s's colour: its arrows were not drawn", counts[name], name)
		}
	}
	if t.Failed() {
		keep := filepath.Join(os.TempDir(), "grpcwire-trace-chromium.png")
		if data, err := os.ReadFile(shot); err == nil && os.WriteFile(keep, data, 0o644) == nil {
			t.Logf("the screenshot is kept in %s", keep)
		}
	}
}

// hslRGB converts a CSS hsl() colour to 8-bit RGB.
func hslRGB(h, s, l float64) [3]int {
	c := (1 - abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - abs(hp-2*float64(int(hp/2))-1))
	var r, g, b float64
	switch int(hp) {
	case 0:
		r, g = c, x
	case 1:
		r, g = x, c
	case 2:
		g, b = c, x
	case 3:
		g, b = x, c
	case 4:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	return [3]int{int((r+m)*255 + 0.5), int((g+m)*255 + 0.5), int((b+m)*255 + 0.5)}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// near reports whether two colours are within what anti-aliasing and
// colour management change.
func near(a, b [3]int) bool {
	for i := range a {
		if d := a[i] - b[i]; d > 10 || d < -10 {
			return false
		}
	}
	return true
}
