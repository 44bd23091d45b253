package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progressInterval is how often the progress bar is redrawn: often enough
// to look alive, rarely enough to cost nothing next to the transfer.
const progressInterval = 200 * time.Millisecond

// barWidth is the width of the bar itself, which with the figures before it
// keeps the line under 80 columns.
const barWidth = 20

// progress reports a transfer's progress on a terminal as a bar redrawn in
// place ("\r"), and its end as one plain line on any writer.
type progress struct {
	w     io.Writer
	bar   bool   // draw the bar (w is a terminal)
	verb  string // "put" or "get", first on the line
	name  string
	total int64 // the file's size
	start int64 // bytes already there when the transfer began (a resume)
	began time.Time
	now   func() time.Time

	done atomic.Int64 // bytes of the file there so far, start included

	stop    chan struct{}
	stopped sync.WaitGroup
}

// newProgress starts reporting the transfer of total bytes of name, of which
// start were already there; with bar, it redraws the bar until finish.
func newProgress(w io.Writer, bar bool, verb, name string, total, start int64) *progress {
	p := &progress{w: w, bar: bar, verb: verb, name: name, total: total, start: start, began: time.Now(), now: time.Now, stop: make(chan struct{})}
	p.done.Store(start)
	if bar {
		p.stopped.Add(1)
		go p.loop()
	}
	return p
}

// add counts n more bytes moved.
func (p *progress) add(n int) { p.done.Add(int64(n)) }

func (p *progress) loop() {
	defer p.stopped.Done()
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			fmt.Fprint(p.w, "\r"+p.line()+"\x1b[K")
		}
	}
}

// end stops the bar; with a summary it draws the bar one last time, full,
// and prints the final line, else it only clears the bar (an error follows).
func (p *progress) end(summary string) {
	close(p.stop)
	p.stopped.Wait()
	if p.bar {
		if summary != "" {
			fmt.Fprint(p.w, "\r"+p.line()+"\x1b[K\n")
		} else {
			fmt.Fprint(p.w, "\r\x1b[K")
		}
	}
	if summary != "" {
		fmt.Fprintln(p.w, summary)
	}
}

// line is the bar's text: what, how much of how much, the percentage, the
// rate since the start and the time left at that rate.
func (p *progress) line() string {
	done := p.done.Load()
	elapsed := p.now().Sub(p.began)
	rate := rateOf(done-p.start, elapsed)
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(done) / float64(p.total)
	}
	eta := "--"
	if rate > 0 {
		eta = formatDuration(time.Duration(float64(p.total-done) / rate * float64(time.Second)))
	}
	filled := barWidth
	if p.total > 0 {
		filled = int(int64(barWidth) * done / p.total)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled)
	return fmt.Sprintf("%s %s  %s / %s  %3.0f%%  %s  ETA %s  [%s]",
		p.verb, shorten(p.name, 24), formatSize(done), formatSize(p.total), pct, formatRate(rate), eta, bar)
}

// summary is the final line of a transfer that went well.
func (p *progress) summary(what string, sha256 []byte) string {
	elapsed := p.now().Sub(p.began)
	moved := p.done.Load() - p.start
	resumed := ""
	if p.start > 0 {
		resumed = fmt.Sprintf(", %d of them moved now, continuing from byte %d", moved, p.start)
	}
	return fmt.Sprintf("files: %s %s: %d bytes%s in %s (%s), sha256 %x",
		what, p.name, p.total, resumed, formatDuration(elapsed), formatRate(rateOf(moved, elapsed)), sha256)
}

// rateOf is n bytes over d, in bytes per second.
func rateOf(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// formatSize writes a byte count in binary units, as file sizes are
// usually shown.
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGT"[i-1])
}

// formatRate writes bytes per second in decimal units, as network rates
// are usually shown.
func formatRate(r float64) string {
	switch {
	case r >= 1e9:
		return fmt.Sprintf("%.2f GB/s", r/1e9)
	case r >= 1e6:
		return fmt.Sprintf("%.1f MB/s", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.1f kB/s", r/1e3)
	}
	return fmt.Sprintf("%.0f B/s", r)
}

// formatDuration writes a duration rounded for people: 1.2s, 3m05s, 1h02m.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// shorten cuts a name to at most n characters for the bar.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
