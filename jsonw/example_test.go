package jsonw_test

import (
	"fmt"

	"github.com/chopin-go/chopin/jsonw"
)

type message struct{ Message string }

// AppendJSON writes m as encoding/json would, without reflection; with a
// reused dst it allocates nothing.
func (m *message) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"message":`...)
	dst = jsonw.AppendString(dst, m.Message)
	return append(dst, '}')
}

func Example() {
	buf := make([]byte, 0, 64) // kept across requests in a real handler
	buf = (&message{Message: "Hello, World!"}).AppendJSON(buf[:0])
	fmt.Println(string(buf))
	// Output: {"message":"Hello, World!"}
}
