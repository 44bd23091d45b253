package trace_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"grpcwire/internal/testkit/golden"
	"grpcwire/trace"
)

var update = flag.Bool("update", false, "rewrite testdata/page.golden.html from what HTMLTo writes now")

// goldenPage is the page HTMLTo writes for sampleConns.
const goldenPage = "testdata/page.golden.html"

// samplePage returns the HTML page of sampleConns, ended by Close.
func samplePage(t *testing.T) []byte {
	t.Helper()
	var page bytes.Buffer
	tr := trace.New(nil, trace.OmitTimes(), trace.HTMLTo(&page))
	sampleConns(tr)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	return page.Bytes()
}

// TestHTMLGolden pins the page HTMLTo writes, byte for byte: go test
// ./trace -run TestHTMLGolden -update rewrites it after a change that was
// looked at in a browser (TestHTMLInChromium draws it).
func TestHTMLGolden(t *testing.T) {
	got := samplePage(t)
	if *update {
		if err := os.WriteFile(goldenPage, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPage)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the page is not %s:\n%s\nLook at it in a browser, then run: go test ./trace -run TestHTMLGolden -update",
			goldenPage, golden.FirstDiff(string(got), string(want)))
	}
}

// TestHTMLStructure checks what the page must be, whatever its style: a
// well-formed document fetching nothing, one section per connection with
// its two lanes, one element per frame with its arrow (the head on the
// receiver's side), its stream's colour, its role tags and its detail, and
// one per note; the frame and note elements in the order they happened.
func TestHTMLStructure(t *testing.T) {
	page := samplePage(t)
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var sections, frames, notes []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "link", "img", "iframe", "object", "embed", "video", "audio":
				t.Errorf("the page has a <%s>, which fetches", n.Data)
			case "script":
				if attr(n, "src") != "" {
					t.Errorf("the page loads a script")
				}
			}
			switch class := attr(n, "class"); {
			case n.Data == "section" && class == "conn":
				sections = append(sections, n)
			case n.Data == "div" && strings.HasPrefix(class, "frame "):
				frames = append(frames, n)
			case n.Data == "div" && class == "note":
				notes = append(notes, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, fetch := range []string{"url(", "@import", "http://", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(string(page), fetch) {
			t.Errorf("the page holds %q", fetch)
		}
	}
	if len(sections) != 2 || attr(sections[0], "id") != "c1" || attr(sections[1], "id") != "c2" {
		t.Fatalf("%d sections, want c1 and c2", len(sections))
	}
	if !strings.Contains(text(sections[1]), "c2: client 127.0.0.1:40001, server 127.0.0.1:50051 traced at the proxy") ||
		!strings.Contains(text(sections[1]), "client127.0.0.1:40001server127.0.0.1:50051") {
		t.Errorf("the proxy's section: %q", text(sections[1]))
	}
	if len(frames) != 22 || len(notes) != 1 {
		t.Fatalf("%d frames and %d notes, want 22 and 1", len(frames), len(notes))
	}
	roles := map[string]string{}
	for i, f := range frames {
		wantConn, wantDir := "1", "->"
		if i >= 17 {
			wantConn = "2"
		}
		if strings.Contains(attr(f, "class"), " in") {
			wantDir = "<-"
		}
		if attr(f, "data-conn") != wantConn || attr(f, "data-dir") != wantDir || !strings.HasPrefix(attr(f, "style"), "--c:") {
			t.Errorf("frame %d: %v", i, f.Attr)
		}
		svg := find(f, func(n *html.Node) bool { return n.Data == "svg" && attr(n, "class") == "arrow" })
		if svg == nil || find(svg, func(n *html.Node) bool { return n.Data == "line" }) == nil || find(svg, func(n *html.Node) bool { return n.Data == "polygon" }) == nil {
			t.Errorf("frame %d has no arrow", i)
			continue
		}
		// The head points at the receiver: at the server's lane (the right
		// end, a nested svg at x=100%) for the client's frames.
		nested := find(svg.FirstChild.NextSibling, func(n *html.Node) bool { return n.Data == "svg" && attr(n, "x") == "100%" })
		if (nested != nil) != (wantDir == "->") {
			t.Errorf("frame %d (%s): the arrow's head is on the wrong side", i, wantDir)
		}
		label := find(f, func(n *html.Node) bool { return attr(n, "class") == "label" })
		var tags []string
		for n := label.FirstChild; n != nil; n = n.NextSibling {
			if attr(n, "class") == "role" {
				tags = append(tags, text(n))
			}
		}
		roles[attr(f, "data-conn")+"/"+attr(f, "data-stream")+"/"+attr(f, "data-type")+"/"+wantDir] += strings.Join(tags, "+") + ";"
	}
	for key, want := range map[string]string{
		"1/1/HEADERS/->": "Request-Headers;",
		"1/1/DATA/->":    "Length-Prefixed-Message+EOS;",
		"1/1/HEADERS/<-": "Response-Headers;Trailers;",
		"1/1/DATA/<-":    "Length-Prefixed-Message;",
		"1/3/DATA/<-":    "Length-Prefixed-Message ×2;",
		"1/0/PING/->":    ";",
		"2/1/DATA/->":    "Length-Prefixed-Message+EOS;",
	} {
		if roles[key] != want {
			t.Errorf("the tags of %s are %q, want %q", key, roles[key], want)
		}
	}
	// The detail beside the arrows: fields, messages, problems, notes.
	for _, want := range []string{"ip = &lt;redacted, 9 bytes&gt;", "username: &#34;tom&#34;", "grpc-status = 5  # NOT_FOUND",
		"(!) a PING frame of 7 bytes", "(a frame type RFC 9113 does not define", "c2: the client closed its connection"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Each stream has its colour; stream 0 is grey.
	colours := map[string]string{}
	for _, f := range frames {
		id := attr(f, "data-conn") + "/" + attr(f, "data-stream")
		if c, ok := colours[id]; ok && c != attr(f, "style") {
			t.Errorf("stream %s has two colours", id)
		}
		colours[id] = attr(f, "style")
	}
	if colours["1/0"] != "--c:#6b6b6b" || colours["1/1"] == colours["1/3"] || colours["1/1"] == colours["1/0"] {
		t.Errorf("the streams' colours: %v", colours)
	}
	if !bytes.HasSuffix(page, []byte("<footer><p>2 connections, 22 frames.</p></footer>\n</body>\n</html>\n")) {
		t.Errorf("the page's end:\n%s", page[max(0, len(page)-200):])
	}
}

// TestHTMLWithoutClose checks a page whose program never ended it (killed
// while tracing): it is still a document a browser shows, every frame in
// it, and Close on an empty Tracer writes a whole page.
func TestHTMLWithoutClose(t *testing.T) {
	var page bytes.Buffer
	sampleConns(trace.New(nil, trace.OmitTimes(), trace.HTMLTo(&page)))
	if n := strings.Count(page.String(), `<svg class="arrow"`); n != 22 || strings.Contains(page.String(), "</html>") {
		t.Errorf("%d arrows before Close", n)
	}
	page.Reset()
	tr := trace.New(nil, trace.HTMLTo(&page))
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "<p>No connection was traced.</p>") || !strings.HasSuffix(page.String(), "</html>\n") {
		t.Errorf("an empty page:\n%s", page.String())
	}
	// A nil Tracer, as FlagTracer returns without flags, closes too.
	if err := (*trace.Tracer)(nil).Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFlagTracer checks the programs' flags: nothing without them, the text
// only with -trace, the page only with -html, both together.
func TestFlagTracer(t *testing.T) {
	if tr, err := trace.FlagTracer(nil, false, "", false, true); tr != nil || err != nil {
		t.Fatalf("no flags: %v, %v", tr, err)
	}
	path := filepath.Join(t.TempDir(), "trace.html")
	var stderr bytes.Buffer
	tr, err := trace.FlagTracer(&stderr, false, path, false, true)
	if err != nil {
		t.Fatal(err)
	}
	sampleConns(tr)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(path)
	if err != nil || !bytes.HasSuffix(page, []byte("</html>\n")) || stderr.Len() != 0 {
		t.Errorf("-html alone: %d bytes of page (%v), %d of text", len(page), err, stderr.Len())
	}
	tr, err = trace.FlagTracer(&stderr, true, path, true, false)
	if err != nil {
		t.Fatal(err)
	}
	sampleConns(tr)
	tr.Close()
	page, _ = os.ReadFile(path)
	if !strings.Contains(stderr.String(), "ip = 127.0.0.1\n") || !bytes.Contains(page, []byte("ip = 127.0.0.1")) || strings.HasPrefix(stderr.String(), "+") {
		t.Errorf("-trace -html -trace-values -trace-times=false:\n%s", stderr.String())
	}
	if _, err := trace.FlagTracer(&stderr, false, filepath.Join(t.TempDir(), "no", "such", "dir", "t.html"), false, true); err == nil || !strings.HasPrefix(err.Error(), "-html: ") {
		t.Errorf("a path that cannot be created: %v", err)
	}
}

// attr returns n's attribute called key.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// find returns the first node under n (n included) that ok accepts.
func find(n *html.Node, ok func(*html.Node) bool) *html.Node {
	if n == nil {
		return nil
	}
	if n.Type == html.ElementNode && ok(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, ok); f != nil {
			return f
		}
	}
	return nil
}

// text returns the text under n.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
