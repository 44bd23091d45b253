package tap_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/golden"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/tap"
	"grpcwire/trace"
	"grpcwire/trace/tracetest"
	"grpcwire/wire"
)

// tapProxy is a listener whose every connection is forwarded to target with
// Forward, traced by tr at the proxy side.
type tapProxy struct {
	addr string
	wg   sync.WaitGroup
}

// startTap starts a tapProxy, stopped at the end of the test.
func startTap(t *testing.T, target string, tr *trace.Tracer, grace time.Duration) *tapProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &tapProxy{addr: ln.Addr().String()}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			start := time.Now()
			s, err := net.Dial("tcp", target)
			if err != nil {
				t.Errorf("dialing the target: %v", err)
				c.Close()
				continue
			}
			ct := tr.Conn(trace.Proxy, c.RemoteAddr().String(), s.RemoteAddr().String(), start)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				tap.Forward(ctx, c, s, tap.NewFollower(ct, ct.Note), ct.Note, grace)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cancel()
		p.wg.Wait()
	})
	return p
}

// TestForwardMatchesEngine runs grpcwire's client and server through
// Forward and checks that the follower saw exactly the frames the client's
// own engine wrote and read: the same trace, frame for frame, with the four
// call kinds, metadata, and a message of 1 MiB that crosses many DATA frames
// and WINDOW_UPDATEs.
func TestForwardMatchesEngine(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, addr := testsvc.Start(t, nil)
	var proxyTrace, clientTrace testio.Buffer
	opts := []trace.Option{trace.OmitTimes(), trace.ShowValues()}
	p := startTap(t, addr, trace.New(&proxyTrace, opts...), 0)
	conn, err := client.Dial(p.addr, client.WithTrace(&clientTrace, opts...), client.WithAuthority("localhost:50051"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()

	md := client.WithMetadata(wire.NewMetadata("mirror-a", "1", "x-bin", "\x00\x01"))
	var res wrapperspb.StringValue
	if err := conn.Invoke(ctx, testsvc.EchoPath, wrapperspb.String("hi"), &res, md); err != nil || res.GetValue() != "hi" {
		t.Fatalf("Echo: %v, %v", &res, err)
	}
	cs, err := conn.NewStream(ctx, &client.StreamDesc{ServerStreams: true}, testsvc.CountPath)
	if err != nil {
		t.Fatal(err)
	}
	must(cs.SendMsg(wrapperspb.Int32(3)))
	must(cs.CloseSend())
	for i := 0; ; i++ {
		var n wrapperspb.Int32Value
		if err := cs.RecvMsg(&n); errors.Is(err, io.EOF) {
			if i != 3 {
				t.Fatalf("Count gave %d messages, want 3", i)
			}
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	cs, err = conn.NewStream(ctx, &client.StreamDesc{ClientStreams: true}, testsvc.CollectPath)
	if err != nil {
		t.Fatal(err)
	}
	must(cs.SendMsg(wrapperspb.String("a")))
	must(cs.SendMsg(wrapperspb.String("b")))
	must(cs.CloseSend())
	if err := cs.RecvMsg(&res); err != nil || res.GetValue() != "a,b" {
		t.Fatalf("Collect: %v, %v", &res, err)
	}
	cs, err = conn.NewStream(ctx, &client.StreamDesc{ClientStreams: true, ServerStreams: true}, testsvc.BulkPath)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	must(cs.SendMsg(wrapperspb.Bytes(big)))
	var back wrapperspb.BytesValue
	if err := cs.RecvMsg(&back); err != nil || !bytes.Equal(back.GetValue(), big) {
		t.Fatalf("Bulk: %d bytes back, %v", len(back.GetValue()), err)
	}
	must(cs.CloseSend())
	if err := cs.RecvMsg(&back); !errors.Is(err, io.EOF) {
		t.Fatalf("Bulk's end: %v", err)
	}
	conn.Close()
	proxyTrace.WaitFor(t, "closed its connection too")

	// The frames, stream by stream and, within a stream, the client's
	// then the server's: each direction keeps its order on the wire, but
	// how the two interleave (a WINDOW_UPDATE among the DATA it answers)
	// differs between where the client saw it and where the proxy did.
	frames := func(tr string) string {
		var b strings.Builder
		var streams []uint32
		all := tracetest.Parse(tr)
		for _, f := range all {
			if !f.Open && !f.Note && !slices.Contains(streams, f.Stream) {
				streams = append(streams, f.Stream)
			}
		}
		slices.Sort(streams)
		for _, id := range streams {
			for _, sent := range []bool{true, false} {
				for _, f := range all {
					if !f.Open && !f.Note && f.Stream == id && f.Sent == sent {
						b.WriteString(f.Text)
					}
				}
			}
		}
		return b.String()
	}
	got, want := frames(proxyTrace.String()), frames(clientTrace.String())
	if got != want {
		t.Errorf("the proxy's trace is not the client's:\n%s\nthe proxy's:\n%.3000s", golden.FirstDiff(got, want), proxyTrace.String())
	}
	for _, w := range []string{"WINDOW_UPDATE stream=7", "x-bin = AAE\n", "Length-Prefixed-Message Compressed-Flag=0 Message-Length=1048580"} {
		if !strings.Contains(got, w) {
			t.Errorf("the trace lacks %q", w)
		}
	}
	if !strings.HasPrefix(proxyTrace.String(), "c1 connection: client 127.0.0.1:") || !strings.Contains(proxyTrace.String(), ", traced at the proxy\n") {
		t.Errorf("the proxy's connection line:\n%.200s", proxyTrace.String())
	}
}

// TestForwardUnchanged sends random bytes both ways, much more than a
// buffer, through Forward with a follower that cannot parse them: every
// byte arrives unchanged, the follower says once per direction that it
// gave up, and the hang-ups are reported in order.
func TestForwardUnchanged(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const size = 4 << 20
	fromClient, fromServer := make([]byte, size), make([]byte, size)
	rand.Read(fromClient)
	rand.Read(fromServer)
	// A server that sends its bytes, reads until the client's end, and
	// closes; it returns what it read.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverGot := testsvc.Go(t, func() []byte {
		c, err := ln.Accept()
		if err != nil {
			return nil
		}
		defer c.Close()
		go c.Write(fromServer)
		b, _ := io.ReadAll(c)
		return b
	})
	var tr testio.Buffer
	p := startTap(t, ln.Addr().String(), trace.New(&tr, trace.OmitTimes()), 0)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		c.Write(fromClient)
		c.(*net.TCPConn).CloseWrite()
	}()
	clientGot, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(clientGot) != sha256.Sum256(fromServer) {
		t.Errorf("the client got %d bytes, not the server's %d", len(clientGot), size)
	}
	if got := serverGot(); sha256.Sum256(got) != sha256.Sum256(fromClient) {
		t.Errorf("the server got %d bytes, not the client's %d", len(got), size)
	}
	tr.WaitUntil(t, "four notes", func(written string) bool { return strings.Count(written, "note: ") == 4 })
	text := tr.String()
	notes := []string{
		"note: the client's first bytes are not the HTTP/2 connection preface (",
		"note: the server's first bytes are not the SETTINGS frame an HTTP/2 server begins with (",
		"note: the client closed its connection after sending 4194304 bytes; the proxy closes the connection to the server\n",
		"note: the server closed its connection too, after sending 4194304 bytes\n",
	}
	for _, n := range notes {
		if strings.Count(text, n) != 1 {
			t.Errorf("the trace does not say once %q:\n%s", n, text)
		}
	}
	if strings.Index(text, notes[2]) > strings.Index(text, notes[3]) {
		t.Errorf("the hang-ups are out of order:\n%s", text)
	}
}

// TestForwardGrace checks a server that does not close after the client
// hung up: it gets the half-close, and is closed the grace later.
func TestForwardGrace(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	release := make(chan struct{})
	sawEOF := testsvc.Go(t, func() error {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		// Reads to the client's end, then stays open until the test
		// has seen the proxy give up on it.
		_, err = io.ReadAll(c)
		<-release
		return err
	})
	var tr testio.Buffer
	p := startTap(t, ln.Addr().String(), trace.New(&tr, trace.OmitTimes()), 50*time.Millisecond)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(http2.ClientPreface))
	c.Close()
	tr.WaitFor(t, "proxy closed it")
	close(release)
	if err := sawEOF(); err != nil {
		t.Errorf("the server did not read to the client's end: %v", err)
	}
	if want := "c1 note: the client closed its connection after sending 24 bytes; the proxy closes the connection to the server\n" +
		"c1 note: the server had not closed its connection 50ms after the client did; the proxy closed it\n"; !strings.HasSuffix(tr.String(), want) {
		t.Errorf("the notes:\n%s\nwant them to end in\n%s", tr.String(), want)
	}
}

// TestForwardStop checks that cancelling Forward's context closes both
// connections and says so.
func TestForwardStop(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	a1, a2 := net.Pipe()
	b1, b2 := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	var rec recorder
	done := testsvc.Go(t, func() tap.Forwarded { return tap.Forward(ctx, a2, b1, nil, rec.note, 0) })
	a1.Write([]byte("abc"))
	got := make([]byte, 3)
	if _, err := io.ReadFull(b2, got); err != nil || string(got) != "abc" {
		t.Fatalf("forwarded %q, %v", got, err)
	}
	cancel()
	if f := done(); f.FromClient != 3 || f.FromServer != 0 {
		t.Errorf("Forward counted %+v", f)
	}
	if _, err := a1.Read(got); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("the client's connection is still open: %v", err)
	}
	a1.Close()
	b2.Close()
	checkSame(t, "the notes", rec.String(), "note: the proxy is stopping; it closes both connections\n")
}

// TestForwardMemory forwards one 32 MiB message, traced, and checks that
// the proxy's memory does not grow with it: the forwarding path holds no
// message, and the trace keeps at most its limit of one.
func TestForwardMemory(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The server reads and drops everything.
	drained := testsvc.Go(t, func() int64 {
		c, err := ln.Accept()
		if err != nil {
			return 0
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		return n
	})
	p := startTap(t, ln.Addr().String(), trace.New(io.Discard), 0)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	const size = 32 << 20
	w := newWire(true)
	must(w.fr.WriteSettings())
	w.headers(1, false, ":method", "POST", ":path", "/users.Users/CreateUser", "content-type", "application/grpc")
	prefix := []byte{0, size >> 24 & 0xff, size >> 16 & 0xff, size >> 8 & 0xff, size & 0xff}
	must(w.fr.WriteData(1, false, prefix))
	head := bytes.Clone(w.bytes())
	chunk := newWire(false)
	must(chunk.fr.WriteData(1, false, make([]byte, 16<<10)))
	frame := chunk.bytes()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := c.Write(head); err != nil {
		t.Fatal(err)
	}
	for range size / (16 << 10) {
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	if n := drained(); n != int64(len(head)+size/(16<<10)*len(frame)) {
		t.Fatalf("the server got %d bytes", n)
	}
	runtime.ReadMemStats(&after)
	// The frames' text costs a little each; the message is 32 MiB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("forwarding a traced 32 MiB message allocated %d bytes", grew)
	}
}
