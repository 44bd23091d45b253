package trace_test

// The expected traces of TestSeedCallsTraced, stream by stream.
const (
	clientUnary = "" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=108  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :scheme = http\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      :authority = localhost:50051\n" +
		"      content-type = application/grpc\n" +
		"      te = trailers\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      grpc-accept-encoding = gzip\n" +
		"      ip = <redacted, 9 bytes>\n" +
		"c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n" +
		"        username: \"tom\"\n" +
		"c1 <- HEADERS       stream=1 flags=END_HEADERS len=14  # Response-Headers\n" +
		"      :status = 200\n" +
		"      content-type = application/grpc\n" +
		"c1 <- DATA          stream=1 len=14\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult\n" +
		"        user {\n" +
		"          username: \"tom\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=12  # Trailers\n" +
		"      grpc-status = 0  # OK\n"
	clientStreaming = "" +
		"c1 -> HEADERS       stream=3 flags=END_HEADERS len=24  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :scheme = http\n" +
		"      :path = /users.Users/GetUsers\n" +
		"      :authority = localhost:50051\n" +
		"      content-type = application/grpc\n" +
		"      te = trailers\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      grpc-accept-encoding = gzip\n" +
		"c1 -> DATA          stream=3 len=30\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=25 users.GetUsersRequest\n" +
		"        user {\n" +
		"          username: \"alexa\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"        user {\n" +
		"          username: \"christie\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 -> DATA          stream=3 flags=END_STREAM len=0  # EOS\n" +
		"c1 <- HEADERS       stream=3 flags=END_HEADERS len=2  # Response-Headers\n" +
		"      :status = 200\n" +
		"      content-type = application/grpc\n" +
		"c1 <- DATA          stream=3 len=16\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult\n" +
		"        user {\n" +
		"          username: \"alexa\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 <- DATA          stream=3 len=19\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=14 users.GetUsersResult\n" +
		"        user {\n" +
		"          username: \"christie\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 <- HEADERS       stream=3 flags=END_STREAM|END_HEADERS len=1  # Trailers\n" +
		"      grpc-status = 0  # OK\n"
	clientError = "" +
		"c1 -> HEADERS       stream=5 flags=END_HEADERS len=8  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :scheme = http\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      :authority = localhost:50051\n" +
		"      content-type = application/grpc\n" +
		"      te = trailers\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      grpc-accept-encoding = gzip\n" +
		"c1 -> DATA          stream=5 flags=END_STREAM len=5  # EOS\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=0 users.CreateUserRequest\n" +
		"        (every field has its default value)\n" +
		"c1 <- HEADERS       stream=5 flags=END_STREAM|END_HEADERS len=31  # Trailers-Only\n" +
		"      :status = 200\n" +
		"      content-type = application/grpc\n" +
		"      grpc-status = 3  # INVALID_ARGUMENT\n" +
		"      grpc-message = username is required\n"
	serverUnary = "" +
		"c1 <- HEADERS       stream=1 flags=END_HEADERS len=108  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :scheme = http\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      :authority = localhost:50051\n" +
		"      content-type = application/grpc\n" +
		"      te = trailers\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      grpc-accept-encoding = gzip\n" +
		"      ip = <redacted, 9 bytes>\n" +
		"c1 <- DATA          stream=1 flags=END_STREAM len=10  # EOS\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n" +
		"        username: \"tom\"\n" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=14  # Response-Headers\n" +
		"      :status = 200\n" +
		"      content-type = application/grpc\n" +
		"c1 -> DATA          stream=1 len=14\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult\n" +
		"        user {\n" +
		"          username: \"tom\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 -> HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=12  # Trailers\n" +
		"      grpc-status = 0  # OK\n"
	serverStreaming = "" +
		"c1 <- HEADERS       stream=3 flags=END_HEADERS len=24  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :scheme = http\n" +
		"      :path = /users.Users/GetUsers\n" +
		"      :authority = localhost:50051\n" +
		"      content-type = application/grpc\n" +
		"      te = trailers\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      grpc-accept-encoding = gzip\n" +
		"c1 <- DATA          stream=3 len=30\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=25 users.GetUsersRequest\n" +
		"        user {\n" +
		"          username: \"alexa\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"        user {\n" +
		"          username: \"christie\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 <- DATA          stream=3 flags=END_STREAM len=0  # EOS\n" +
		"c1 -> HEADERS       stream=3 flags=END_HEADERS len=2  # Response-Headers\n" +
		"      :status = 200\n" +
		"      content-type = application/grpc\n" +
		"c1 -> DATA          stream=3 len=16\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult\n" +
		"        user {\n" +
		"          username: \"alexa\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 -> DATA          stream=3 len=19\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=14 users.GetUsersResult\n" +
		"        user {\n" +
		"          username: \"christie\"\n" +
		"          user_id: 1\n" +
		"        }\n" +
		"c1 -> HEADERS       stream=3 flags=END_STREAM|END_HEADERS len=1  # Trailers\n" +
		"      grpc-status = 0  # OK\n"
	serverError = "" +
		"c1 <- HEADERS       stream=5 flags=END_HEADERS len=8  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :scheme = http\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      :authority = localhost:50051\n" +
		"      content-type = application/grpc\n" +
		"      te = trailers\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      grpc-accept-encoding = gzip\n" +
		"c1 <- DATA          stream=5 flags=END_STREAM len=5  # EOS\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=0 users.CreateUserRequest\n" +
		"        (every field has its default value)\n" +
		"c1 -> HEADERS       stream=5 flags=END_STREAM|END_HEADERS len=31  # Trailers-Only\n" +
		"      :status = 200\n" +
		"      content-type = application/grpc\n" +
		"      grpc-status = 3  # INVALID_ARGUMENT\n" +
		"      grpc-message = username is required\n"
)
