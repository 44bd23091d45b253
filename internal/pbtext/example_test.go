package pbtext_test

import (
	"fmt"

	"grpcwire/internal/pbtext"
	"grpcwire/userspb"
)

// The seed tutorial's Python client prints each streamed result with
// print(result); this prints the same bytes, blank line included.
func ExampleFormat() {
	result := &userspb.GetUsersResult{User: &userspb.User{Username: "alexa", UserId: 1}}
	fmt.Println(pbtext.Format(result))
	// Output:
	// user {
	//   username: "alexa"
	//   user_id: 1
	// }
}
