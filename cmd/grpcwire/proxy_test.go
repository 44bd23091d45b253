package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/reflection"
	rpb "grpcwire/reflection/grpc_reflection_v1"
	"grpcwire/server"
	"grpcwire/trace/tracetest"
	"grpcwire/userspb"
)

// proxyListening is the proxy's first line on stderr, naming its address.
var proxyListening = regexp.MustCompile(`grpcwire proxy: listening on (\S+) `)

// runningProxy is a "grpcwire proxy" running in this process.
type runningProxy struct {
	addr           string
	stdout, stderr *testio.Buffer
	stop           func() int // stops it and returns its exit code
}

// listenWatcher is the proxy's stderr: it keeps everything and tells the
// address once the listening line is written.
type listenWatcher struct {
	testio.Buffer
	once sync.Once
	addr chan string
}

func (w *listenWatcher) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if m := proxyListening.FindStringSubmatch(w.String()); m != nil {
		w.once.Do(func() { w.addr <- m[1] })
	}
	return n, err
}

// startProxy runs "grpcwire proxy -listen 127.0.0.1:0 args..." until the
// test ends (or stop is called), and returns once it listens.
func startProxy(t *testing.T, args ...string) *runningProxy {
	t.Helper()
	stderr := &listenWatcher{addr: make(chan string, 1)}
	p := &runningProxy{stdout: &testio.Buffer{}}
	stop, ended := testsvc.Background(t, func(ctx context.Context) int {
		return run(ctx, append([]string{"proxy", "-listen", "127.0.0.1:0"}, args...), &stdio{in: strings.NewReader(""), out: p.stdout, err: stderr})
	})
	p.stop = stop
	select {
	case p.addr = <-stderr.addr:
	case <-ended:
		t.Fatalf("the proxy exited with %d before listening:\n%s", stop(), stderr.String())
	case <-time.After(runTimeout):
		t.Fatalf("the proxy did not listen within %v:\n%s", runTimeout, stderr.String())
	}
	p.stderr = &stderr.Buffer
	return p
}

// waitTrace waits until the proxy's trace holds want.
func (p *runningProxy) waitTrace(t *testing.T, want string) {
	t.Helper()
	p.stderr.WaitUntil(t, fmt.Sprintf("a trace saying %q", want), func(written string) bool { return strings.Contains(written, want) })
}

// writePKI writes the PKI's server certificate and key, and its CA, as PEM
// files for -cert, -key and -cacert.
func writePKI(t *testing.T, pki *testsvc.PKI) (cert, key, ca string) {
	t.Helper()
	dir := t.TempDir()
	var chain bytes.Buffer
	for _, der := range pki.Server.Certificate {
		pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	kder, err := x509.MarshalPKCS8PrivateKey(pki.Server.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, key, ca = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	last := pki.Server.Certificate[len(pki.Server.Certificate)-1]
	for path, data := range map[string][]byte{
		cert: chain.Bytes(),
		key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
		ca:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: last}),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key, ca
}

// TestProxyTLS runs grpcwire's client (the call command) through the proxy
// to grpcwire's server, TLS on both sides (each with its own CA): the calls
// print exactly what they print without the proxy, the trace shows both
// sides' frames with the messages decoded, and the -json output and the
// -html page say what the text says, frame for frame. (This test binary
// links users.proto, so the decoding proves nothing of reflection: the
// conformance module's proxy tests run the built command, which does not.)
func TestProxyTLS(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	serverPKI := testsvc.NewPKI(t, true)
	proxyPKI := testsvc.NewPKI(t, true)
	_, _, serverCA := writePKI(t, serverPKI)
	cert, key, proxyCA := writePKI(t, proxyPKI)
	s := server.New(server.TLS(serverPKI.ServerConfig()))
	userspb.RegisterUsersServer(s, usersServer{})
	reflection.Register(s)
	target := testsvc.Serve(t, s)
	page := filepath.Join(t.TempDir(), "trace.html")
	p := startProxy(t, "-cert", cert, "-key", key, "-cacert", serverCA, "-trace-times=false", "-json", "-html", page, target)

	calls := [][]string{
		{"users.Users/CreateUser", `{"username": "tom"}`},
		{"users.Users/GetUsers", `{"user": [{"username": "alexa", "userId": 1}, {"username": "christie", "userId": 1}]}`},
		{"users.Users/CreateUser", `{"username": ""}`},
	}
	// The calls read users.proto rather than ask the server's reflection,
	// so that each makes one connection.
	proto := []string{"-proto", "users.proto", "-I", repoRoot(t)}
	for _, c := range calls {
		direct := grpcwire(t, "", append(append([]string{"call", "-cacert", serverCA}, proto...), append([]string{target}, c...)...)...)
		proxied := grpcwire(t, "", append(append([]string{"call", "-cacert", proxyCA}, proto...), append([]string{p.addr}, c...)...)...)
		if direct.code != proxied.code || direct.stdout != proxied.stdout || direct.stderr != proxied.stderr {
			t.Errorf("through the proxy:\n%s\nwithout it:\n%s", proxied, direct)
		}
	}
	p.waitTrace(t, "c3 note: the server closed its connection too")
	if code := p.stop(); code != exitOK {
		t.Errorf("the proxy exited with %d", code)
	}
	text := p.stderr.String()
	for _, want := range []string{
		"grpcwire proxy: listening on 127.0.0.1:",
		" (TLS), forwarding to " + target + " (TLS)\n",
		"c1 connection: client 127.0.0.1:",
		", server " + target + ", traced at the proxy\n",
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=",
		"      user-agent = grpcwire-cli/0.1.0 grpc-go-grpcwire/0.1.0\n",
		"      :scheme = https\n",
		"c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS\n" +
			"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n" +
			"        username: \"tom\"\n",
		"c1 <- SETTINGS      stream=0 len=24\n",
		"c2 <- DATA          stream=1 len=19\n" +
			"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=14 users.GetUsersResult\n",
		"c3 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=",
		"  # Trailers-Only\n",
		"      grpc-status = 3  # INVALID_ARGUMENT\n",
		"c1 -> GOAWAY        stream=0 len=21 last_stream=0 code=NO_ERROR debug=\"client closed\"\n",
		"c1 note: the client closed its connection after sending ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the trace lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("the trace:\n%s", text)
	}
	// Only the calls' connections: the proxy asks the server's reflection
	// on a connection of its own, which is not traced.
	if strings.Contains(text, "c4 ") || strings.Contains(text, "ServerReflection") {
		t.Errorf("the trace holds more than the three calls' connections:\n%s", text)
	}
	checkJSONMatches(t, p.stdout.String(), text)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	frames := 0
	for _, f := range tracetest.Parse(text) {
		if !f.Open && !f.Note {
			frames++
		}
	}
	if n := strings.Count(string(html), `<svg class="arrow"`); n != frames || !bytes.HasSuffix(html, []byte("</html>\n")) {
		t.Errorf("the page draws %d arrows for the trace's %d frames (or is not ended)", n, frames)
	}
}

// checkJSONMatches checks that every line of the -json output parses, and
// that the objects are the text trace's items in its order: the same
// connections, frames (kind, direction, type, stream, line, detail) and
// notes.
func checkJSONMatches(t *testing.T, js, text string) {
	t.Helper()
	items := tracetest.Parse(text)
	sc := bufio.NewScanner(strings.NewReader(js))
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var o struct {
			Kind, Dir, Type, Line, Text, Client, Server string
			Conn                                        int
			Stream                                      uint32
			Detail                                      []string
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("JSON line %d does not parse: %v\n%s", i+1, err, sc.Bytes())
		}
		if i >= len(items) {
			t.Fatalf("the JSON has more objects than the text has items: %s", sc.Bytes())
		}
		it := items[i]
		lines := strings.Split(strings.TrimSuffix(it.Text, "\n"), "\n")
		var want []string
		for _, l := range lines[1:] {
			want = append(want, strings.TrimPrefix(l, "      "))
		}
		switch {
		case it.Open:
			if o.Kind != "connection" || o.Conn != it.Conn || !strings.Contains(lines[0], "client "+o.Client+", server "+o.Server) {
				t.Errorf("JSON line %d is %s; the text's item is %q", i+1, sc.Bytes(), lines[0])
			}
		case it.Note:
			if o.Kind != "note" || lines[0] != fmt.Sprintf("c%d note: %s", o.Conn, o.Text) {
				t.Errorf("JSON line %d is %s; the text's item is %q", i+1, sc.Bytes(), lines[0])
			}
		default:
			dir := map[bool]string{true: "->", false: "<-"}[it.Sent]
			if o.Kind != "frame" || o.Conn != it.Conn || o.Dir != dir || o.Type != it.Type || o.Stream != it.Stream ||
				o.Line != lines[0] || strings.Join(o.Detail, "\n") != strings.Join(want, "\n") {
				t.Errorf("JSON line %d is %s; the text's frame is\n%s", i+1, sc.Bytes(), it.Text)
			}
		}
	}
	if i != len(items) || i == 0 {
		t.Errorf("%d JSON objects for the text's %d items", i, len(items))
	}
}

// garbageTarget is a server standing in for a peer that spews: by the first
// bytes a connection sends it, it forwards the connection to a real gRPC
// server (the client preface and anything but magicSettings), answers a
// valid SETTINGS then garbage (the preface, then magicSettings), or answers
// garbage from the start (anything else). It records what it got.
type garbageTarget struct {
	ln      net.Listener
	real    string
	garbage []byte // what it spews: the same random bytes each time
	wg      sync.WaitGroup

	mu  sync.Mutex
	got map[string][32]byte // the SHA-256 of what each garbage connection sent, by its client address
}

// magicSettings is a SETTINGS frame with one setting no RFC defines: the
// sign for the garbage target to answer garbage after its own SETTINGS.
var magicSettings = []byte{0, 0, 6, 4, 0, 0, 0, 0, 0, 0x77, 0x77, 0, 0, 0, 1}

func startGarbageTarget(t *testing.T, real string) *garbageTarget {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &garbageTarget{ln: ln, real: real, garbage: make([]byte, 1<<20), got: map[string][32]byte{}}
	rand.Read(g.garbage)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				defer c.Close()
				g.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		g.wg.Wait()
	})
	return g
}

func (g *garbageTarget) serve(c net.Conn) {
	first := make([]byte, len(http2.ClientPreface)+len(magicSettings))
	n, _ := io.ReadFull(c, first[:1])
	if n == 1 && first[0] == 'P' {
		if _, err := io.ReadFull(c, first[1:]); err != nil {
			return
		}
		if bytes.Equal(first[len(http2.ClientPreface):], magicSettings) {
			// A valid start, then garbage: the follower has seen SETTINGS
			// and must give up later, on a frame too large.
			var settings bytes.Buffer
			http2.NewFramer(&settings, nil).WriteSettings()
			c.Write(settings.Bytes())
			g.spew(c, nil)
			return
		}
		// Forward to the real server, bytes already read first.
		s, err := net.Dial("tcp", g.real)
		if err != nil {
			return
		}
		defer s.Close()
		s.Write(first)
		go func() {
			io.Copy(c, s)
			c.Close()
		}()
		io.Copy(s, c)
		return
	}
	g.spew(c, first[:n])
}

// spew writes the garbage while it reads what the client sends, and
// records the digest of that.
func (g *garbageTarget) spew(c net.Conn, read []byte) {
	written := make(chan struct{})
	go func() {
		defer close(written)
		c.Write(g.garbage)
		c.(*net.TCPConn).CloseWrite()
	}()
	h := sha256.New()
	h.Write(read)
	io.Copy(h, c)
	<-written
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	g.mu.Lock()
	g.got[c.RemoteAddr().String()] = sum
	g.mu.Unlock()
}

// TestProxyGarbage puts the proxy between clients and a target that spew:
// garbage both ways from the first byte, and garbage after valid
// connection prefaces both ways. Every byte is forwarded unchanged, the
// trace says where each direction stopped being HTTP/2, and calls through
// the same proxy at the same time succeed.
func TestProxyGarbage(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	real := startUsers(t, false)
	g := startGarbageTarget(t, real)
	p := startProxy(t, "-plaintext", "-trace-times=false", g.ln.Addr().String())

	clientGarbage := make([]byte, 512<<10)
	rand.Read(clientGarbage)
	cases := []struct {
		name                 string
		send                 []byte
		wantClient           string
		wantServer           string
		serverStartsWithSETS bool
	}{
		{"garbage both ways", clientGarbage,
			"note: the client's first bytes are not the HTTP/2 connection preface (",
			"note: the server's first bytes are not the SETTINGS frame an HTTP/2 server begins with (", false},
		{"garbage after both prefaces", append(append([]byte(http2.ClientPreface), magicSettings...), clientGarbage...),
			"note: the client sent a frame header announcing ",
			"note: the server sent a frame header announcing ", true},
	}
	var wg sync.WaitGroup
	results := make([]string, len(cases))
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", p.addr)
			if err != nil {
				results[i] = err.Error()
				return
			}
			defer c.Close()
			go func() {
				c.Write(tc.send)
				c.(*net.TCPConn).CloseWrite()
			}()
			got, err := io.ReadAll(c)
			want := g.garbage
			if tc.serverStartsWithSETS {
				var settings bytes.Buffer
				http2.NewFramer(&settings, nil).WriteSettings()
				want = append(settings.Bytes(), g.garbage...)
			}
			if err != nil || !bytes.Equal(got, want) {
				results[i] = fmt.Sprintf("the client got %d bytes (%v), not the target's %d", len(got), err, len(want))
			}
		}()
	}
	// Calls through the same proxy meanwhile.
	for range 3 {
		r := grpcwire(t, "", "call", "-plaintext", "-proto", "users.proto", "-I", repoRoot(t), p.addr, "users.Users/CreateUser", `{"username": "tom"}`)
		expect(t, r, exitOK, `"username": "tom"`)
	}
	wg.Wait()
	for i, r := range results {
		if r != "" {
			t.Errorf("%s: %s", cases[i].name, r)
		}
	}
	p.waitTrace(t, "note: the server closed its connection too")
	// Every byte the clients sent arrived.
	g.mu.Lock()
	for addr, sum := range g.got {
		ok := false
		for _, tc := range cases {
			if sum == sha256.Sum256(tc.send) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the target got other bytes than a client sent, from %s", addr)
		}
	}
	if len(g.got) != len(cases) {
		t.Errorf("the target saw %d garbage connections, want %d", len(g.got), len(cases))
	}
	g.mu.Unlock()
	// And still serves.
	expect(t, grpcwire(t, "", "call", "-plaintext", p.addr, "users.Users/CreateUser", `{"username": "after"}`), exitOK, `"username": "after"`)
	text := p.stderr.String()
	for _, tc := range cases {
		for _, w := range []string{tc.wantClient, tc.wantServer} {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the trace does not say %q", tc.name, w)
			}
		}
	}
	if n := strings.Count(text, "users.CreateUserRequest\n        username: \"tom\"\n"); n != 3 {
		t.Errorf("the trace decodes %d of the 3 calls' requests", n)
	}
	if t.Failed() {
		t.Logf("the trace:\n%.6000s", text)
	}
}

// TestProxyTargetDown checks a target that refuses connections: each
// client's connection gets its line and a note, is closed, and the proxy
// goes on.
func TestProxyTargetDown(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	down := testsvc.ClosedAddr(t)
	p := startProxy(t, "-plaintext", "-trace-times=false", down)
	for range 2 {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("the client's connection: %v", err)
		}
		c.Close()
	}
	p.waitTrace(t, "c2 note: cannot connect to the server: ")
	if !strings.Contains(p.stderr.String(), "c1 connection: client 127.0.0.1:") || !strings.Contains(p.stderr.String(), ", server "+down+", traced at the proxy\n") {
		t.Errorf("the trace:\n%s", p.stderr.String())
	}
}

// TestProxyUsage checks the mistakes proxy names before it listens.
func TestProxyUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy", "-plaintext", "127.0.0.1:1"}, "-listen is required"},
		{[]string{"proxy", "-listen", "nowhere", "127.0.0.1:1"}, `-listen "nowhere" is not HOST:PORT`},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "nowhere"}, `the target "nowhere" is not HOST:PORT`},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-cert", "c.pem", "127.0.0.1:1"}, "-cert and -key go together"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-plaintext", "-cacert", "ca.pem", "127.0.0.1:1"}, "-plaintext speaks cleartext HTTP/2"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-cert", "no.pem", "-key", "no.pem", "127.0.0.1:1"}, "-cert and -key: open no.pem"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "127.0.0.1:1", "-plaintext"}, "flag -plaintext after the arguments"},
	} {
		r := grpcwire(t, "", tc.args...)
		expect(t, r, exitUsage, tc.want)
	}
	expect(t, grpcwire(t, "", "-h"), exitOK, "grpcwire proxy    [flags] -listen HOST:PORT TARGET\n", "\tproxy     forward a client's connections to a server, tracing both sides\n")
}

// TestProxyNeverWaitsForReflection: a target whose reflection lists its
// services but never describes them holds up neither the proxy's first
// connection (the warm-up gives up at its bound) nor any call through it:
// the trace shows the messages as bytes and says why, while the lookup goes
// on in the background. With the lookups' own bound stretched to an hour, a
// proxy that waited for them in the forwarding path would hang every call
// past the test's deadline.
func TestProxyNeverWaitsForReflection(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	savedTimeout, savedWarmup := reflectionTimeout, reflectionWarmup
	reflectionTimeout, reflectionWarmup = time.Hour, 100*time.Millisecond
	t.Cleanup(func() { reflectionTimeout, reflectionWarmup = savedTimeout, savedWarmup })

	hung := make(chan struct{})
	stuck := server.BidiStreamingMethod("ServerReflectionInfo", func(st server.BidiStreamingServer[rpb.ServerReflectionRequest, rpb.ServerReflectionResponse]) error {
		for {
			req, err := st.Recv()
			if err != nil {
				return nil
			}
			if req.GetListServices() == "" {
				// A question about a symbol: never answered, until
				// the test ends.
				select {
				case <-hung:
				case <-st.Context().Done():
				}
				return nil
			}
			list := &rpb.ListServiceResponse{Service: []*rpb.ServiceResponse{{Name: testsvc.Name}}}
			if err := st.Send(&rpb.ServerReflectionResponse{MessageResponse: &rpb.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: list}}); err != nil {
				return nil
			}
		}
	})
	srv := server.New()
	srv.Register((&testsvc.Service{}).Desc())
	srv.Register(&server.ServiceDesc{Name: "grpc.reflection.v1.ServerReflection", Methods: []server.MethodDesc{stuck}})
	addr := testsvc.Serve(t, srv)
	defer close(hung) // before the server's Stop, which Serve's cleanup runs

	p := startProxy(t, "-plaintext", "-trace-times=false", addr)
	cc := testsvc.Dial(t, p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	for i := range 3 {
		res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("through"))
		if err != nil || res.GetValue() != "through" {
			t.Fatalf("call %d through the proxy: %v, %v", i, res, err)
		}
	}
	p.waitTrace(t, "looked up through the server's reflection")
}
