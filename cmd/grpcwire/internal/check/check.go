package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"grpcwire/cmd/grpcwire/internal/rawh2"
	"grpcwire/observe"
	"grpcwire/trace"
)

// Result is how a check ended.
type Result string

// The three results a check can have.
const (
	// Pass: the server answered as the sentence says.
	Pass Result = "pass"
	// Fail: it did not; Expected and Got say how.
	Fail Result = "fail"
	// Skip: the check could not be run against this server; Why says why.
	Skip Result = "skip"
)

// Ref is the sentence of a spec that a check tests, with where it is.
type Ref struct {
	// Doc is the document: a file of grpc/grpc's doc/ directory
	// ("PROTOCOL-HTTP2.md") or an RFC ("RFC 9113").
	Doc string `json:"doc"`
	// Section is the section the sentence is in.
	Section string `json:"section"`
	// Quote is the sentence, word for word.
	Quote string `json:"quote"`
}

// String is the reference as one line prints it: the document, its
// section (a heading of grpc/grpc's doc/ files, a section number of an RFC)
// and the sentence.
func (r Ref) String() string {
	return fmt.Sprintf("%s: %q", r.Place(), r.Quote)
}

// Place is the document and the section.
func (r Ref) Place() string {
	if strings.HasPrefix(r.Doc, "RFC ") {
		return r.Doc + " §" + r.Section
	}
	return r.Doc + ", " + r.Section
}

// Needs says what a check needs of the server besides HTTP/2.
type Needs int

const (
	// NeedsNothing: the check sends requests any gRPC server must answer.
	NeedsNothing Needs = iota
	// NeedsMethod: the check needs a method the server serves (the probe
	// found by Discover).
	NeedsMethod
	// NeedsService: the check needs the name of a service the server has.
	NeedsService
	// NeedsTestService: the check calls grpc.testing.TestService.
	NeedsTestService
)

// Check is one check of the catalogue.
type Check struct {
	// ID names the check for -run and in the output: lower case words
	// joined by dashes.
	ID string
	// What says in a few words what the check sends and what answer the
	// sentence asks for.
	What string
	// Ref is the sentence the check tests.
	Ref Ref
	// Needs is what the check needs of the server.
	Needs Needs
	// Run runs the check.
	Run func(t *T) Outcome
}

// Outcome is what a check found.
type Outcome struct {
	Result Result
	// Expected and Got are a failure's: what the sentence asks for and
	// what the server did.
	Expected string
	Got      string
	// Why is a skip's reason.
	Why string
	// Note says, for a pass, what the server did when the sentence allows
	// more than one answer.
	Note string
}

// pass is a passing outcome, with an optional note.
func pass(note string, args ...any) Outcome {
	if len(args) > 0 {
		note = fmt.Sprintf(note, args...)
	}
	return Outcome{Result: Pass, Note: note}
}

// fail is a failing outcome.
func fail(expected, got string) Outcome {
	return Outcome{Result: Fail, Expected: expected, Got: got}
}

// skip is a skipped outcome.
func skip(why string, args ...any) Outcome {
	if len(args) > 0 {
		why = fmt.Sprintf(why, args...)
	}
	return Outcome{Result: Skip, Why: why}
}

// Config says which server to check and how.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// Authority is sent as :authority; Addr when empty.
	Authority string
	// TLS, when not nil, makes every connection TLS.
	TLS *tls.Config
	// Timeout bounds each check; DefaultTimeout when zero.
	Timeout time.Duration
	// Parallel is how many checks run at once; DefaultParallel when zero.
	Parallel int
	// Run, when not nil, selects the checks whose ID it matches.
	Run *regexp.Regexp
	// Trace keeps the frames of every check, for Report.Trace.
	Trace bool
}

// The runner's defaults.
const (
	// DefaultTimeout bounds one check. A check against a server that
	// answers takes milliseconds; the bound is for a server that does not
	// answer, and is generous for a loaded machine.
	DefaultTimeout = 10 * time.Second
	// DefaultParallel is how many checks run at once: every check has its
	// own connection, and a handful at a time keeps a small server (or a
	// 2-core machine running the server too) from timing out.
	DefaultParallel = 4
)

// Report is one check's result.
type Report struct {
	Check   *Check
	Outcome Outcome
	// Duration is how long the check took.
	Duration time.Duration
	// Trace is the text trace of the check's connections, when
	// Config.Trace asked for it.
	Trace string
}

// T is what a running check uses: the server's description and its
// connections, which the runner closes when the check returns.
type T struct {
	ctx    context.Context
	env    *Env
	cfg    *Config
	tracer *trace.Tracer
	conns  []*rawh2.Conn
}

// Dial opens a connection to the server with the check's deadline.
func (t *T) Dial(cfg rawh2.Config) (*rawh2.Conn, error) {
	cfg.TLS = t.cfg.TLS
	if t.tracer != nil {
		tr := t.tracer
		cfg.Observer = func(local, remote string, start time.Time) observe.Observer {
			return tr.Conn(trace.Client, local, remote, start)
		}
	}
	c, err := rawh2.Dial(t.ctx, t.cfg.Addr, cfg)
	if err != nil {
		return nil, err
	}
	t.conns = append(t.conns, c)
	return c, nil
}

// dial opens a connection with the default configuration; a failure is
// returned as the outcome to give.
func (t *T) dial() (*rawh2.Conn, *Outcome) {
	c, err := t.Dial(rawh2.Config{})
	if err != nil {
		o := fail("an HTTP/2 connection", "cannot connect: "+err.Error())
		return nil, &o
	}
	return c, nil
}

// Deadline is when the check must be over.
func (t *T) Deadline() time.Time {
	dl, _ := t.ctx.Deadline()
	return dl
}

// Run runs the catalogue's checks that cfg selects against the server and
// returns their reports in catalogue order. env is what Discover found.
func Run(ctx context.Context, cfg Config, env *Env, checks []*Check) []Report {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	var selected []*Check
	for _, c := range checks {
		if cfg.Run == nil || cfg.Run.MatchString(c.ID) {
			selected = append(selected, c)
		}
	}
	reports := make([]Report, len(selected))
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for i, c := range selected {
		reports[i].Check = c
		if why := env.lacks(c.Needs); why != "" {
			reports[i].Outcome = skip("%s", why)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			reports[i] = runOne(ctx, &cfg, env, c)
		}()
	}
	wg.Wait()
	return reports
}

// runOne runs one check within its timeout, turning a panic into a failure
// (a bug of the check, not of the server, but it must not take the other
// checks down).
func runOne(ctx context.Context, cfg *Config, env *Env, c *Check) (r Report) {
	r.Check = c
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	t := &T{ctx: ctx, env: env, cfg: cfg}
	var buf bytes.Buffer
	if cfg.Trace {
		t.tracer = trace.New(&buf, trace.MaxMessageSize(4<<10))
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r.Outcome = fail("the check to run to its end", fmt.Sprintf("the check panicked (a bug in grpcwire check): %v", p))
		}
		for _, conn := range t.conns {
			conn.Close()
		}
		r.Duration = time.Since(start)
		r.Trace = buf.String()
	}()
	r.Outcome = c.Run(t)
	return r
}

// Summary counts the results.
func Summary(reports []Report) (passed, failed, skipped int) {
	for _, r := range reports {
		switch r.Outcome.Result {
		case Pass:
			passed++
		case Fail:
			failed++
		case Skip:
			skipped++
		}
	}
	return
}
