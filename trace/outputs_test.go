package trace_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"grpcwire/internal/testkit/golden"
	"grpcwire/observe"
	"grpcwire/trace"
	"grpcwire/trace/tracetest"
	"grpcwire/userspb"
)

// sampleConns traces two connections into tr: one taken at the client (a
// unary call, a server-streaming call with two messages in one frame, and
// the connection's own frames), one at a proxy (a call whose service is
// unknown, a frame with a problem, an unknown frame type and the proxy's
// notes). Times are fixed, so that the outputs are the same on every run.
func sampleConns(tr *trace.Tracer) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	c := tr.Conn(trace.Client, "127.0.0.1:40000", "127.0.0.1:50051", start)
	two := append(lpmOf(alexa), lpmOf(alexa)...)
	for i, ev := range []*observe.FrameEvent{
		{Sent: true, Header: header(http2.FrameSettings, 0, 0, 6), Settings: []http2.Setting{{ID: http2.SettingEnablePush, Val: 0}}},
		{Sent: true, Header: header(http2.FrameWindowUpdate, 0, 0, 4), Increment: 4128769},
		{Header: header(http2.FrameSettings, 0, 0, 0)},
		{Sent: true, Header: header(http2.FrameSettings, http2.FlagSettingsAck, 0, 0)},
		requestHeaders(true, 1, "/users.Users/CreateUser", "ip", "127.0.0.1"),
		dataEv(true, 1, true, lpmOf(tomReq)),
		headersEv(false, 1, 0, ":status", "200", "content-type", "application/grpc"),
		dataEv(false, 1, false, lpmOf(tomRes)),
		headersEv(false, 1, http2.FlagHeadersEndStream, "grpc-status", "0"),
		requestHeaders(true, 3, "/users.Users/GetUsers"),
		dataEv(true, 3, true, lpmOf(&userspb.GetUsersRequest{})),
		headersEv(false, 3, 0, ":status", "200"),
		dataEv(false, 3, false, two),
		headersEv(false, 3, http2.FlagHeadersEndStream, "grpc-status", "5", "grpc-message", "no%20such%20user"),
		{Sent: true, Header: header(http2.FramePing, 0, 0, 8), Ping: [8]byte{2, 4, 16, 16, 9, 14, 7, 7}},
		{Header: header(http2.FramePing, http2.FlagPingAck, 0, 8), Ping: [8]byte{2, 4, 16, 16, 9, 14, 7, 7}},
		{Sent: true, Header: header(http2.FrameGoAway, 0, 0, 21), ErrCode: http2.ErrCodeNo, DebugData: []byte("client closed")},
	} {
		ev.Time = at(i)
		c.ObserveFrame(ev)
	}
	p := tr.Conn(trace.Proxy, "127.0.0.1:40001", "127.0.0.1:50051", at(100))
	for i, ev := range []*observe.FrameEvent{
		requestHeaders(true, 1, "/nowhere.Svc/Do"),
		dataEv(true, 1, true, lpmOf(tomReq)),
		{Header: header(http2.FrameRSTStream, 0, 1, 4), ErrCode: http2.ErrCodeRefusedStream},
		{Header: header(http2.FramePing, 0, 0, 7), Problem: "a PING frame of 7 bytes: it must have 8 (a FRAME_SIZE_ERROR)"},
		{Sent: true, Header: header(0x42, 0, 0, 3)},
	} {
		ev.Time = at(101 + i)
		p.ObserveFrame(ev)
	}
	p.Note(at(110), "the client closed its connection after sending 233 bytes; the proxy closes the connection to the server")
}

// lpmOf frames m as a Length-Prefixed-Message.
func lpmOf(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return append([]byte{0, byte(len(b) >> 24), byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))}, b...)
}

// TestProxySide checks a trace taken at a proxy: the connection line names
// it, and "->", the client's frames, are the requests.
func TestProxySide(t *testing.T) {
	var buf bytes.Buffer
	c := trace.New(&buf, trace.OmitTimes()).Conn(trace.Proxy, "127.0.0.1:40001", "127.0.0.1:50051", time.Now())
	c.ObserveFrame(requestHeaders(true, 1, "/users.Users/CreateUser"))
	c.ObserveFrame(dataEv(true, 1, true, lpmOf(tomReq)))
	c.ObserveFrame(dataEv(false, 1, false, lpmOf(tomRes)))
	c.Note(time.Now(), "two\nlines")
	want := "" +
		"c1 connection: client 127.0.0.1:40001, server 127.0.0.1:50051, traced at the proxy\n" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      content-type = application/grpc\n" +
		"c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n" +
		"        username: \"tom\"\n" +
		"c1 <- DATA          stream=1 len=14\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult\n" +
		"        user {\n" +
		"          username: \"tom\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 note: two lines\n"
	if got := buf.String(); got != want {
		t.Errorf("%s\n%s", got, golden.FirstDiff(got, want))
	}
}

// TestNoteTimes checks that a note starts like a frame's line.
func TestNoteTimes(t *testing.T) {
	var buf bytes.Buffer
	start := time.Now()
	c := trace.New(&buf).Conn(trace.Proxy, "a", "b", start)
	c.Note(start.Add(1500*time.Millisecond), "x")
	if got := buf.String(); !strings.HasSuffix(got, "\n+1.500000s  c1 note: x\n") {
		t.Errorf("got %q", got)
	}
}

// TestFindMethods checks that a Tracer's finder decodes a service the
// program's registry does not hold, and that its reason is shown when it
// cannot.
func TestFindMethods(t *testing.T) {
	users := userspb.File_users_proto.Services().ByName("Users")
	find := func(path string) (protoreflect.MethodDescriptor, error) {
		if path == "/elsewhere.Users/CreateUser" {
			return users.Methods().ByName("CreateUser"), nil
		}
		return nil, errTest("the server's reflection does not know it")
	}
	got := streamTrace(t, []trace.Option{trace.FindMethods(find)}, "/elsewhere.Users/CreateUser", dataEv(true, 1, false, lpmOf(tomReq)))
	if !strings.Contains(got, "Message-Length=5 users.CreateUserRequest\n        username: \"tom\"\n") {
		t.Errorf("the finder's method was not used:\n%s", got)
	}
	got = streamTrace(t, []trace.Option{trace.FindMethods(find)}, "/nowhere.Svc/Do", dataEv(true, 1, false, lpmOf(tomReq)))
	if !strings.Contains(got, "(not decoded: the server's reflection does not know it)\n        its 5 bytes: 0a 03 74 6f 6d\n") {
		t.Errorf("the finder's reason is not shown:\n%s", got)
	}
	// A service linked into the program is still found when the finder
	// does not know it.
	got = streamTrace(t, []trace.Option{trace.FindMethods(find)}, "/users.Users/CreateUser", dataEv(true, 1, false, lpmOf(tomReq)))
	if !strings.Contains(got, "username: \"tom\"") {
		t.Errorf("the registry was not asked after the finder:\n%s", got)
	}
}

// TestLongUnknownMessage checks that a message of an unknown type is shown
// by its first bytes only.
func TestLongUnknownMessage(t *testing.T) {
	msg := lpmOf(&userspb.CreateUserRequest{Username: strings.Repeat("x", 100)})
	got := streamTrace(t, nil, "/nowhere.Svc/Do", dataEv(true, 1, false, msg))
	if !strings.Contains(got, "        the first 64 of its 102 bytes: 0a 64 78 78 ") || !strings.HasSuffix(got, "78 ...\n") {
		t.Errorf("got:\n%s", got)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

// jsonObject is what TestJSONMatchesText reads of each JSON line.
type jsonObject struct {
	Kind     string   `json:"kind"`
	Conn     int      `json:"conn"`
	Time     string   `json:"time"`
	Elapsed  *float64 `json:"elapsed"`
	Dir      string   `json:"dir"`
	From     string   `json:"from"`
	Type     string   `json:"type"`
	Stream   uint32   `json:"stream"`
	Flags    []string `json:"flags"`
	Length   uint32   `json:"length"`
	Role     string   `json:"role"`
	Line     string   `json:"line"`
	Detail   []string `json:"detail"`
	Text     string   `json:"text"`
	TracedAt string   `json:"traced_at"`
	Fields   []struct {
		Name, Value, Comment string
		Redacted             bool
	} `json:"fields"`
	Messages []struct {
		Type    string `json:"type"`
		Decoded bool   `json:"decoded"`
		Text    string `json:"text"`
		Length  uint32 `json:"length"`
	} `json:"messages"`
	Problem string `json:"problem"`
	Code    string `json:"code"`
	Ping    string `json:"ping"`
}

// TestJSONMatchesText traces the same frames as text and as JSON and checks
// that the JSON parses, one object per line, and says what the text says,
// line for line and frame for frame.
func TestJSONMatchesText(t *testing.T) {
	for _, omit := range []bool{true, false} {
		var text, js bytes.Buffer
		opts := []trace.Option{trace.JSONTo(&js)}
		if omit {
			opts = append(opts, trace.OmitTimes())
		}
		sampleConns(trace.New(&text, opts...))
		var objs []jsonObject
		sc := bufio.NewScanner(&js)
		for sc.Scan() {
			var o jsonObject
			if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
				t.Fatalf("a line that is not JSON: %v\n%s", err, sc.Bytes())
			}
			objs = append(objs, o)
		}
		frames := tracetest.Parse(text.String())
		if len(objs) != len(frames) || len(frames) != 25 {
			t.Fatalf("%d JSON objects, %d items in the text, want 25 of each", len(objs), len(frames))
		}
		for i, f := range frames {
			o := objs[i]
			lines := strings.Split(strings.TrimSuffix(f.Text, "\n"), "\n")
			switch {
			case f.Open:
				if o.Kind != "connection" || lines[0] != "c"+strconv.Itoa(o.Conn)+" connection: client "+map[int]string{1: "127.0.0.1:40000", 2: "127.0.0.1:40001"}[o.Conn]+", server 127.0.0.1:50051, traced at the "+o.TracedAt {
					t.Errorf("object %d, %+v, is not the line %q", i, o, lines[0])
				}
			case f.Note:
				if o.Kind != "note" || lines[0] != "c"+strconv.Itoa(o.Conn)+" note: "+o.Text {
					t.Errorf("object %d, %+v, is not the note %q", i, o, lines[0])
				}
			default:
				dir := map[bool]string{true: "->", false: "<-"}[f.Sent]
				if o.Kind != "frame" || o.Conn != f.Conn || o.Dir != dir || o.Type != f.Type || o.Stream != f.Stream || o.Line != lines[0] {
					t.Errorf("object %d, %+v, is not the frame %q", i, o, lines[0])
				}
				for j, d := range lines[1:] {
					if j >= len(o.Detail) || "      "+o.Detail[j] != d {
						t.Errorf("frame %q: detail %d is %q in the text, %q in JSON", lines[0], j, d, o.Detail)
						break
					}
				}
				if len(o.Detail) != len(lines)-1 {
					t.Errorf("frame %q: %d detail lines in JSON, %d in the text", lines[0], len(o.Detail), len(lines)-1)
				}
			}
			if omit != (o.Time == "") || (f.Open || f.Note || omit) != (o.Elapsed == nil) {
				t.Errorf("object %d: time %q, elapsed %v with OmitTimes %v", i, o.Time, o.Elapsed, omit)
			}
		}
		// The structured members say what the text's detail says.
		byLine := map[string]jsonObject{}
		for _, o := range objs {
			byLine[o.Line] = o
		}
		hd := byLine["c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers"]
		if hd.Role != "Request-Headers" || hd.From != "client" || len(hd.Fields) != 4 || hd.Fields[3].Name != "ip" || hd.Fields[3].Value != "<redacted, 9 bytes>" || !hd.Fields[3].Redacted {
			t.Errorf("the request headers: %+v", hd)
		}
		tr := byLine["c1 <- HEADERS       stream=3 flags=END_STREAM|END_HEADERS len=10  # Trailers"]
		if tr.From != "server" || len(tr.Fields) != 2 || tr.Fields[0].Comment != "NOT_FOUND" || tr.Fields[1].Comment != `"no such user"` {
			t.Errorf("the trailers: %+v", tr)
		}
		two := byLine["c1 <- DATA          stream=3 len=32"]
		if len(two.Messages) != 2 || !two.Messages[1].Decoded || two.Messages[1].Type != "users.GetUsersResult" || two.Messages[1].Text != "user {\n  username: \"alexa\"\n  user_id: 1\n}\n" {
			t.Errorf("the two messages: %+v", two.Messages)
		}
		eos := byLine["c1 -> DATA          stream=3 flags=END_STREAM len=5  # EOS"]
		if eos.Role != "EOS" || len(eos.Messages) != 1 || !eos.Messages[0].Decoded || eos.Messages[0].Text != "" {
			t.Errorf("an empty message: %+v", eos)
		}
		unknown := byLine["c2 -> DATA          stream=1 flags=END_STREAM len=10  # EOS"]
		if len(unknown.Messages) != 1 || unknown.Messages[0].Decoded || !strings.HasPrefix(unknown.Messages[0].Text, "(not decoded: service nowhere.Svc") {
			t.Errorf("a message of an unknown service: %+v", unknown.Messages)
		}
		if p := byLine["c2 <- PING          stream=0 len=7 data=0000000000000000"]; p.Problem == "" || p.Detail[0] != "(!) "+p.Problem {
			t.Errorf("the frame with a problem: %+v", p)
		}
		if g := byLine["c1 -> GOAWAY        stream=0 len=21 last_stream=0 code=NO_ERROR debug=\"client closed\""]; g.Code != "NO_ERROR" {
			t.Errorf("the GOAWAY: %+v", g)
		}
		if p := byLine["c1 -> PING          stream=0 len=8 data=02041010090e0707"]; p.Ping != "02041010090e0707" || len(p.Flags) != 0 {
			t.Errorf("the PING: %+v", p)
		}
	}
}
