package gentest

import (
	"bytes"
	"fmt"

	"google.golang.org/protobuf/types/descriptorpb"
)

// Field numbers of the descriptor paths the stub generator reads comments
// from (google/protobuf/descriptor.proto): FileDescriptorProto.service = 6 and
// ServiceDescriptorProto.method = 2. A service's location path is [6, i] and
// its j-th method's is [6, i, 2, j].
const (
	fileServiceField   = 6
	serviceMethodField = 2
)

// SourceInfo rebuilds, from the .proto source src, the SourceCodeInfo
// locations that carry the leading comment of each service and each rpc of
// fd, the descriptor compiled from src. Descriptors embedded in generated Go
// code drop SourceCodeInfo, so a generator run on them in-process would lose
// the doc comments that protoc would have passed; this puts them back.
//
// A leading comment is, as protoc defines it, the block of // lines directly
// above the declaration with no blank line between. Only // comments are
// understood: a /* */ comment directly above a service or rpc is reported as
// an error rather than silently dropped. The spans are the keyword's
// position; only the comments are meant to be used.
//
// SourceInfo fails if the services and rpcs it finds in src, in order, do not
// match fd's, which means src is not the file fd was compiled from.
func SourceInfo(src []byte, fd *descriptorpb.FileDescriptorProto) (*descriptorpb.SourceCodeInfo, error) {
	decls, err := scanDecls(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fd.GetName(), err)
	}
	info := &descriptorpb.SourceCodeInfo{}
	si, mi := -1, -1
	for _, d := range decls {
		var path []int32
		switch d.kind {
		case "service":
			si++
			mi = -1
			if si >= len(fd.GetService()) || fd.GetService()[si].GetName() != d.name {
				return nil, fmt.Errorf("%s:%d: service %s is not service #%d of the descriptor; is the source the file the descriptor was compiled from?", fd.GetName(), d.line+1, d.name, si)
			}
			path = []int32{fileServiceField, int32(si)}
		case "rpc":
			mi++
			if si < 0 || mi >= len(fd.GetService()[si].GetMethod()) || fd.GetService()[si].GetMethod()[mi].GetName() != d.name {
				return nil, fmt.Errorf("%s:%d: rpc %s is not rpc #%d of service #%d of the descriptor; is the source the file the descriptor was compiled from?", fd.GetName(), d.line+1, d.name, mi, si)
			}
			path = []int32{fileServiceField, int32(si), serviceMethodField, int32(mi)}
		}
		loc := &descriptorpb.SourceCodeInfo_Location{
			Path: path,
			Span: []int32{int32(d.line), int32(d.col), int32(d.col + len(d.kind))},
		}
		if d.leading != "" {
			loc.LeadingComments = &d.leading
		}
		info.Location = append(info.Location, loc)
	}
	if n := si + 1; n != len(fd.GetService()) {
		return nil, fmt.Errorf("%s: found %d services in the source but the descriptor has %d", fd.GetName(), n, len(fd.GetService()))
	}
	return info, nil
}

// decl is one service or rpc declaration found in a .proto source.
type decl struct {
	kind      string // "service" or "rpc"
	name      string
	line, col int    // zero-based position of the keyword
	leading   string // protoc's leading_comments: each line's text after //, newline-terminated
}

// token is one lexical token of a .proto source, as far as scanDecls needs:
// identifiers and single punctuation characters. Strings, numbers and
// comments are skipped.
type token struct {
	text        string
	line, col   int
	firstOnLine bool // nothing but whitespace precedes it on its line
}

// lineKind says what a source line holds, for finding comment blocks.
type lineKind uint8

const (
	lineOther        lineKind = iota // code, or code and comments
	lineBlank                        // only whitespace
	lineLineComment                  // only whitespace and one // comment
	lineBlockComment                 // a /* */ comment and nothing but whitespace
)

// scanDecls finds every service and rpc declaration of a .proto source, with
// its leading comment.
func scanDecls(src []byte) ([]decl, error) {
	toks, lines, comments, err := lex(src)
	if err != nil {
		return nil, err
	}
	var decls []decl
	depth := 0
	serviceDepth := -1 // depth inside the current service's braces, or -1
	prev := ""         // previous token's text
	for i, t := range toks {
		stmtStart := prev == "" || prev == ";" || prev == "{" || prev == "}"
		switch t.text {
		case "{":
			depth++
		case "}":
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("line %d: unbalanced }", t.line+1)
			}
			if depth < serviceDepth {
				serviceDepth = -1
			}
		case "service", "rpc":
			if !stmtStart || i+1 >= len(toks) || !isIdent(toks[i+1].text) {
				break
			}
			if t.text == "service" && depth != 0 || t.text == "rpc" && (serviceDepth < 0 || depth != serviceDepth) {
				break
			}
			if t.text == "service" {
				serviceDepth = depth + 1
			}
			d := decl{kind: t.text, name: toks[i+1].text, line: t.line, col: t.col}
			if t.firstOnLine {
				d.leading, err = leadingComment(t.line, lines, comments)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s %s: %w", t.line+1, d.kind, d.name, err)
				}
			}
			decls = append(decls, d)
		}
		prev = t.text
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced braces: %d left open at the end of the file", depth)
	}
	return decls, nil
}

// leadingComment assembles the comment block that ends on the line above
// line: consecutive lines that hold only a // comment.
func leadingComment(line int, lines []lineKind, comments map[int]string) (string, error) {
	first := line
	for first > 0 && lines[first-1] == lineLineComment {
		first--
	}
	if first > 0 && lines[first-1] == lineBlockComment && first == line {
		return "", fmt.Errorf("a /* */ comment directly above it; only // comments are understood, so write it with //")
	}
	var b bytes.Buffer
	for l := first; l < line; l++ {
		b.WriteString(comments[l])
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// lex splits src into tokens and classifies each line. comments maps each
// lineLineComment line to its comment's text after the //.
func lex(src []byte) (toks []token, lines []lineKind, comments map[int]string, err error) {
	comments = make(map[int]string)
	line, col := 0, 0
	lines = []lineKind{lineBlank}
	mark := func(k lineKind) {
		// A line is a comment line only if nothing else is on it.
		switch {
		case lines[line] == lineBlank:
			lines[line] = k
		case lines[line] != k || k == lineLineComment:
			lines[line] = lineOther
		}
	}
	newline := func() {
		line++
		col = 0
		lines = append(lines, lineBlank)
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			newline()
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			col++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			end := bytes.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			mark(lineLineComment)
			if lines[line] == lineLineComment {
				comments[line] = string(bytes.TrimSuffix(src[i+2:i+end], []byte("\r")))
			}
			i += end
			col += end
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return nil, nil, nil, fmt.Errorf("line %d: /* comment never closed", line+1)
			}
			mark(lineBlockComment)
			for _, b := range src[i : i+2+end+2] {
				if b == '\n' {
					newline()
					mark(lineBlockComment)
				} else {
					col++
				}
			}
			i += 2 + end + 2
		case c == '"' || c == '\'':
			mark(lineOther)
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' {
					j++
				}
				if j < len(src) && src[j] == '\n' {
					return nil, nil, nil, fmt.Errorf("line %d: string literal runs past the end of the line", line+1)
				}
			}
			if j >= len(src) {
				return nil, nil, nil, fmt.Errorf("line %d: string literal never closed", line+1)
			}
			col += j + 1 - i
			i = j + 1
		case isIdentStart(c) || isDigit(c):
			mark(lineOther)
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			toks = append(toks, token{text: string(src[i:j]), line: line, col: col, firstOnLine: !lineHasToken(toks, line)})
			col += j - i
			i = j
		default:
			mark(lineOther)
			toks = append(toks, token{text: string(c), line: line, col: col, firstOnLine: !lineHasToken(toks, line)})
			i++
			col++
		}
	}
	return toks, lines, comments, nil
}

// lineHasToken reports whether a token was already lexed on line.
func lineHasToken(toks []token, line int) bool {
	return len(toks) > 0 && toks[len(toks)-1].line == line
}

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

// isIdent reports whether s is a .proto identifier.
func isIdent(s string) bool { return s != "" && isIdentStart(s[0]) }
