package h2test

// VerifyNoLeaksWithin lets the package's tests check the leak checker with a
// wait far shorter than LeakWait.
var VerifyNoLeaksWithin = verifyNoLeaks

// GRPCRequestHeaderRows and GRPCResponseHeaderRows expose the spec tables so
// that a test can walk every row.
func GRPCRequestHeaderRows() [][3]string  { return rows(grpcRequestHeaders) }
func GRPCResponseHeaderRows() [][3]string { return rows(grpcResponseHeaders) }

func rows(t []struct{ rule, name, value string }) [][3]string {
	out := make([][3]string, len(t))
	for i, r := range t {
		out[i] = [3]string{r.rule, r.name, r.value}
	}
	return out
}
