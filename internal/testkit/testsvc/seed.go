package testsvc

// SeedOutput is what the seed tutorial's Python client prints against its
// server, byte for byte: the line for CreateUser, then each GetUsers
// result in protobuf text format with a blank line after it. The seed's
// programs (users-client, the demo) must print exactly this, against
// grpcwire's server and grpc-go's alike.
const SeedOutput = `User created: tom
user {
  username: "alexa"
  user_id: 1
}

user {
  username: "christie"
  user_id: 1
}

`
