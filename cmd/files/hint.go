package main

// connectHint is what to change in this program's flags when err is a
// failure to connect, or "" when it is not. The client's own message says
// what happened; the flags, and so the advice, are those every client
// program of the repository shares (package tlsflags).
func connectHint(o options, err error) string {
	return o.tls.Hint(err, o.addr, "files-server")
}
