package wire

// User agent, PROTOCOL-HTTP2.md "User Agents": "it is recommended that
// clients provide a structured user-agent string that provides a basic
// description of the calling library, version & platform to facilitate issue
// diagnosis in heterogeneous environments":
//
//	User-Agent → "grpc-" Language ?("-" Variant) "/" Version ?( " ("  *(AdditionalProperty ";") ")" )
//
// Language is "go" and Variant "grpcwire", so that a server's logs tell this
// implementation from grpc-go ("grpc-go/1.x").

// Version is grpcwire's version, as sent in the user-agent.
const Version = "0.1.0"

// UserAgent is the user-agent every grpcwire client sends, of the spec's
// structured form: "grpc-go-grpcwire/0.1.0".
const UserAgent = "grpc-go-grpcwire/" + Version

// UserAgentFor returns the user-agent of a client whose application names
// itself, as grpc-go's WithUserAgent does: the application's name first,
// then the library's, "myapp/2.0 grpc-go-grpcwire/0.1.0". An empty name
// gives UserAgent.
func UserAgentFor(application string) string {
	if application == "" {
		return UserAgent
	}
	return application + " " + UserAgent
}
