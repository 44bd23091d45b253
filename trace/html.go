package trace

import (
	_ "embed" // the page's style and script
	"fmt"
	"html"
	"io"
	"strings"
	"time"
)

// The page's style sheet and script, written inline so that the page is one
// file that fetches nothing: no network, no framework, a few lines of
// vanilla JavaScript.
var (
	//go:embed htmlpage/page.css
	pageCSS string
	//go:embed htmlpage/page.js
	pageJS string
)

// pageLegend explains the drawing to its reader.
const pageLegend = `Each connection is a sequence diagram: the client's lane on the left, the server's on the right, time running down.
Each arrow is one HTTP/2 frame, coloured by its stream (grey: stream 0, the connection's own frames).
The tags name what grpc/grpc <a href="https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md">doc/PROTOCOL-HTTP2.md</a> calls what a frame carries
(Request-Headers, Length-Prefixed-Message, EOS, Response-Headers, Trailers, Trailers-Only); beside each arrow are the decoded header fields and messages, as the text trace prints them.`

// htmlOutput writes the trace as an HTML page, as frames come: the page's
// head on the first connection, then one element per connection, frame and
// note, in the order they happened, and the end of the page on close. Each
// frame is written after its connection's section; the page's script moves
// it into its section once the page is loaded, so that each connection is
// a diagram of its own (without the script, the frames of all connections
// are one diagram in time order, each labelled with its connection).
type htmlOutput struct {
	w       io.Writer
	cfg     *config
	started bool // the head is written
	closed  bool
	conns   int
	frames  int
}

func newHTMLOutput(w io.Writer, cfg *config) *htmlOutput {
	return &htmlOutput{w: w, cfg: cfg}
}

// write writes part of the page; like the text trace, it ignores a failing
// writer.
func (o *htmlOutput) write(s string) { _, _ = io.WriteString(o.w, s) }

// start writes the page's head once.
func (o *htmlOutput) start() {
	if o.started {
		return
	}
	o.started = true
	o.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		"<meta name=\"generator\" content=\"grpcwire trace\">\n" +
		"<title>grpcwire frame trace</title>\n<style>\n" + pageCSS + "</style>\n<script>\n" + pageJS + "</script>\n</head>\n<body>\n" +
		"<header>\n<h1>HTTP/2 frames, traced by grpcwire</h1>\n<p>" + pageLegend + "</p>\n" +
		"<p><label><input type=\"checkbox\" id=\"compact\"> arrows only</label></p>\n</header>\n<main id=\"trace\">\n")
}

func (o *htmlOutput) conn(c *ConnTrace, at time.Time, clientAddr, serverAddr string) {
	if o.closed {
		return
	}
	o.start()
	o.conns++
	client, server := html.EscapeString(clientAddr), html.EscapeString(serverAddr)
	o.write(fmt.Sprintf("<section class=\"conn\" id=\"c%d\" data-conn=\"%d\">\n"+
		"<h2>c%d: client %s, server %s <small>traced at the %s</small></h2>\n"+
		"<div class=\"lanes\"><div class=\"who\"><span>client<br><small>%s</small></span><span>server<br><small>%s</small></span></div></div>\n"+
		"</section>\n", c.id, c.id, c.id, client, server, c.side, client, server))
}

func (o *htmlOutput) note(c *ConnTrace, at time.Time, text string) {
	if o.closed {
		return
	}
	o.start()
	o.write(fmt.Sprintf("<div class=\"note\" data-conn=\"%d\"><div class=\"time\">%s</div><p>c%d: %s</p></div>\n",
		c.id, o.elapsed(c, at), c.id, html.EscapeString(text)))
}

// elapsed is the time column of a row: the time since the connection
// began, or nothing when times are left out.
func (o *htmlOutput) elapsed(c *ConnTrace, at time.Time) string {
	if o.cfg.omitTimes {
		return ""
	}
	return fmt.Sprintf("+%.6fs", at.Sub(c.start).Seconds())
}

func (o *htmlOutput) frame(c *ConnTrace, r *record) {
	if o.closed {
		return
	}
	o.start()
	o.frames++
	ev, h := r.ev, r.ev.Header
	dir, class := "->", "frame out"
	if !ev.Sent {
		dir, class = "<-", "frame in"
	}
	if ev.Problem != "" {
		class += " problem"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<div class=\"%s\" data-conn=\"%d\" data-stream=\"%d\" data-type=\"%s\" data-dir=\"%s\" style=\"--c:%s\">",
		class, c.id, h.StreamID, h.Type, html.EscapeString(dir), streamColour(h.StreamID))
	fmt.Fprintf(&b, "<div class=\"time\">%s</div>", o.elapsed(c, ev.Time))
	fmt.Fprintf(&b, "<div class=\"wire\"><div class=\"label\" title=\"%s\">", html.EscapeString(r.line()))
	fmt.Fprintf(&b, "c%d <b>%s</b> stream %d", c.id, h.Type, h.StreamID)
	if fl := flagList(h.Type, h.Flags); len(fl) > 0 {
		fmt.Fprintf(&b, " <i>%s</i>", strings.Join(fl, "|"))
	}
	fmt.Fprintf(&b, " %d B%s", h.Length, html.EscapeString(lineExtra(r.line())))
	for _, role := range r.roles() {
		if role == roleMessage && r.pieces > 1 {
			role = fmt.Sprintf("%s ×%d", role, r.pieces)
		}
		fmt.Fprintf(&b, "<span class=\"role\">%s</span>", html.EscapeString(role))
	}
	b.WriteString("</div>")
	b.WriteString(arrowSVG(ev.Sent))
	b.WriteString("</div>")
	if d := r.details(); len(d) > 0 {
		b.WriteString("<pre class=\"detail\">")
		b.WriteString(html.EscapeString(strings.Join(d, "\n")))
		b.WriteString("</pre>")
	}
	b.WriteString("</div>\n")
	o.write(b.String())
}

// arrowSVG draws a frame's arrow across the wire between the two
// lifelines: its head on the server's side for the client's frames ("->"),
// on the client's for the server's.
func arrowSVG(toServer bool) string {
	if toServer {
		return `<svg class="arrow" aria-hidden="true"><line x1="0" y1="7" x2="100%" y2="7"/>` +
			`<svg x="100%" overflow="visible"><polygon points="-11,1 0,7 -11,13"/></svg></svg>`
	}
	return `<svg class="arrow" aria-hidden="true"><line x1="0" y1="7" x2="100%" y2="7"/>` +
		`<polygon points="11,1 0,7 11,13"/></svg>`
}

// lineExtra returns what a frame's text line says after its length (a
// WINDOW_UPDATE's increment, a GOAWAY's code, a PING's data), without the
// role comment, which the page shows as tags.
func lineExtra(line string) string {
	i := strings.Index(line, " len=")
	if i < 0 {
		return ""
	}
	rest := line[i+len(" len="):]
	rest = strings.TrimLeft(rest, "0123456789")
	if j := strings.Index(rest, "  # "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// streamColour is a stream's colour: grey for stream 0, the connection's
// own, and for the others hues a golden angle apart, so that streams opened
// one after the other differ clearly.
func streamColour(id uint32) string {
	if id == 0 {
		return "#6b6b6b"
	}
	hue := float64(id) * 137.508
	hue -= 360 * float64(int(hue/360))
	return fmt.Sprintf("hsl(%.1f 70%% 36%%)", hue)
}

func (o *htmlOutput) close() error {
	if o.closed {
		return nil
	}
	o.start()
	o.closed = true
	if o.conns == 0 {
		o.write("<p>No connection was traced.</p>\n")
	}
	o.write(fmt.Sprintf("</main>\n<footer><p>%d %s, %d %s.</p></footer>\n</body>\n</html>\n",
		o.conns, plural(o.conns, "connection", "connections"), o.frames, plural(o.frames, "frame", "frames")))
	return nil
}

// plural picks the word for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
