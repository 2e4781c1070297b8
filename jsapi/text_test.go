package jsapi

import (
	"os"
	"strings"
	"testing"
)

// Every text is shown somewhere: each id appears, quoted, in the code of
// the pages.
func TestEveryTextIsUsed(t *testing.T) {
	var code strings.Builder
	for _, f := range []string{"server.go", "page.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code.Write(b)
	}
	for id := range messages {
		if !strings.Contains(code.String(), `"`+id+`"`) {
			t.Errorf("text %q is never used", id)
		}
	}
}
