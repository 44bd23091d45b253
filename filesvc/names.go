package filesvc

import (
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"grpcwire/wire"
)

// MaxNameLen is the longest file name accepted, in bytes: NAME_MAX of
// Linux's file systems and of most others, so that every accepted name can
// be stored as it is.
const MaxNameLen = 255

// ReservedName is the subdirectory of the served directory where the
// service keeps its own files: uploads in progress and the SHA-256 of the
// stored files. No file may take its name.
const ReservedName = ".files"

// nameRules are the checks a file name passes, in order; the first that
// fails is the INVALID_ARGUMENT the client gets, so each names one problem
// in words a person can act on. A name is one path element under the
// served directory: files.proto says "a single path element of at most 255
// bytes, without "/", "\", NUL or "..", that is not absolute".
var nameRules = []struct {
	bad func(name string) bool
	why string
}{
	{func(n string) bool { return n == "" }, "is empty"},
	{func(n string) bool { return len(n) > MaxNameLen }, "is longer than 255 bytes"},
	{func(n string) bool { return !utf8.ValidString(n) }, "is not valid UTF-8"},
	{func(n string) bool { return strings.IndexByte(n, 0) >= 0 }, "contains a NUL byte"},
	{func(n string) bool {
		return n[0] == '/' || n[0] == '\\' || filepath.IsAbs(n) || filepath.VolumeName(n) != ""
	}, "is an absolute path: give the name of a file in the server's directory"},
	{func(n string) bool { return strings.Contains(n, "..") }, `contains "..": names may not lead out of the server's directory`},
	{func(n string) bool { return strings.IndexByte(n, '/') >= 0 }, `contains "/": a name is one path element, not a path`},
	{func(n string) bool { return strings.IndexByte(n, '\\') >= 0 }, `contains "\": a name is one path element, not a path`},
	{func(n string) bool { return n == "." }, `is ".", the directory itself`},
	{func(n string) bool { return n == ReservedName }, "is reserved for the server's own files"},
	{func(n string) bool { return !filepath.IsLocal(n) }, "is not a plain file name on this server's system (a reserved device name, say)"},
}

// checkName returns nil for a valid name and INVALID_ARGUMENT naming the
// first rule it breaks otherwise.
func checkName(name string) error {
	for _, r := range nameRules {
		if r.bad(name) {
			return wire.Errorf(wire.InvalidArgument, "files: the name %s %s", quoteName(name), r.why)
		}
	}
	return nil
}

// quoteName quotes a name for a status message, shortened when long so
// that a 10 KB name does not make a 10 KB message.
func quoteName(name string) string {
	const show = 64
	if len(name) > show {
		return strconv.Quote(name[:show]) + "... (" + strconv.Itoa(len(name)) + " bytes)"
	}
	return strconv.Quote(name)
}
