package main

import (
	"path/filepath"
	"testing"

	"grpcwire/internal/testkit/h2test"
)

// shopArgs describe from testdata/protos/shop/shop.proto, which holds every
// construct the printer writes.
var shopArgs = []string{"-proto", "shop/shop.proto", "-I", filepath.Join("testdata", "protos"), "127.0.0.1:1"}

// shopOrder is example.shop.Order as describe prints it.
const shopOrder = `// Order is what a customer asks for.
message Order {
  // item names the thing.
  string item = 1;
  optional int32 quantity = 2;
  repeated string notes = 3;
  map<string, int64> counts = 4;
  oneof payment {
    string card = 5;
    Order.Cash cash = 6;
  }
  google.protobuf.Timestamp at = 7;
  Order.Size size = 8;
  string old_field = 9 [deprecated = true];
  string renamed = 10 [json_name = "newName"];
  // Cash is paid in coins.
  message Cash {
    uint64 cents = 1;
  }
  enum Size {
    SIZE_UNSPECIFIED = 0;
    SMALL = 1;
    LARGE = 2;
  }
  reserved 11, 20 to 29, 100 to max;
  reserved "gone";
}
`

// shopOffer is example.shop.legacy.Offer, a proto2 message.
const shopOffer = `message Offer {
  required string item = 1;
  optional double price = 2 [default = 9.5];
  optional Offer.Kind kind = 3 [default = CASH];
  optional string note = 4 [default = "none"];
  enum Kind {
    option allow_alias = true;
    CASH = 1;
    MONEY = 1;
    CARD = 2;
    reserved 5 to 7;
  }
  extensions 100 to 199;
}
`

// TestDescribe prints each kind of symbol from .proto files parsed with
// -proto (no server is asked) and compares the whole text, comments
// included.
func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		symbol string
		want   string
	}{
		{"example.shop.Shop", `// service example.shop.Shop, in shop/shop.proto
// Shop sells things.
service Shop {
  // Buy buys one item.
  rpc Buy(Order) returns (Receipt);
  // Watch streams price changes.
  rpc Watch(Order) returns (stream Receipt);
  rpc Restock(stream Order) returns (Receipt) {
    option deprecated = true;
  }
  rpc Haggle(stream Order) returns (stream legacy.Offer);
}
`},
		{"example.shop.Order", "// message example.shop.Order, in shop/shop.proto\n" + shopOrder},
		{"example.shop.Shop/Haggle", "// method example.shop.Shop.Haggle, in shop/shop.proto\n" +
			"rpc Haggle(stream Order) returns (stream legacy.Offer);\n\n" +
			"// message example.shop.Order, in shop/shop.proto\n" + shopOrder + "\n" +
			"// message example.shop.legacy.Offer, in shop/legacy.proto\n" + shopOffer},
		{"example.shop.legacy.Offer", "// message example.shop.legacy.Offer, in shop/legacy.proto\n" + shopOffer},
		{"example.shop.Order.Size", `// enum example.shop.Order.Size, in shop/shop.proto
enum Size {
  SIZE_UNSPECIFIED = 0;
  SMALL = 1;
  LARGE = 2;
}
`},
		{"example.shop.Order.LARGE", "// enum value example.shop.Order.LARGE, in shop/shop.proto\nLARGE = 2;\n"},
		{"example.shop.legacy.gift", `// extension example.shop.legacy.gift, in shop/legacy.proto
extend Offer {
  optional bool gift = 100;
}
`},
		{"example.shop.Order.item", "// field example.shop.Order.item, in shop/shop.proto\n// item names the thing.\nstring item = 1;\n"},
		{"example.shop.Order.payment", `// oneof example.shop.Order.payment, in shop/shop.proto
oneof payment {
  string card = 5;
  Order.Cash cash = 6;
}
`},
	} {
		t.Run(tc.symbol, func(t *testing.T) {
			r := grpcwire(t, "", append(append([]string{"describe"}, shopArgs...), tc.symbol)...)
			if r.code != exitOK || r.stdout != tc.want || r.stderr != "" {
				t.Errorf("want exit 0 and stdout:\n%s\n%s", tc.want, r)
			}
		})
	}

	expect(t, grpcwire(t, "", append(append([]string{"describe"}, shopArgs...), "example.shop.Nope")...),
		exitUsage, "symbol example.shop.Nope not found in the -proto files")
	expect(t, grpcwire(t, "", append(append([]string{"describe"}, shopArgs...), "not a name")...),
		exitUsage, `"not a name" is not a full name of a protobuf symbol`)
}

// TestDescribeReflection describes symbols of the interop server through
// reflection: a service, a method with its messages, and a message from
// another file of the server (empty.proto).
func TestDescribeReflection(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInterop(t, false)
	for _, tc := range []struct {
		symbol string
		wants  []string
	}{
		{"grpc.testing.TestService", []string{
			"// service grpc.testing.TestService, in interop/grpc_testing/test.proto\nservice TestService {\n",
			"  rpc StreamingInputCall(stream StreamingInputCallRequest) returns (StreamingInputCallResponse);\n",
			"  rpc FullDuplexCall(stream StreamingOutputCallRequest) returns (stream StreamingOutputCallResponse);\n",
		}},
		{"grpc.testing.TestService.StreamingOutputCall", []string{
			"rpc StreamingOutputCall(StreamingOutputCallRequest) returns (stream StreamingOutputCallResponse);\n",
			"message StreamingOutputCallRequest {\n",
			"  repeated ResponseParameters response_parameters = 2;\n",
			"message StreamingOutputCallResponse {\n  Payload payload = 1;\n}\n",
		}},
		{"grpc.testing.Empty", []string{"// message grpc.testing.Empty, in interop/grpc_testing/empty.proto\nmessage Empty {\n}\n"}},
	} {
		t.Run(tc.symbol, func(t *testing.T) {
			expect(t, grpcwire(t, "", "describe", "-plaintext", addr, tc.symbol), exitOK, tc.wants...)
		})
	}
	expect(t, grpcwire(t, "", "describe", "-plaintext", addr, "grpc.testing.Nope"), exitUsage,
		"symbol grpc.testing.Nope not found in the server's reflection")
}
