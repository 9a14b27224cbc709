package tfbtest

import (
	"testing"

	"github.com/chopin-go/chopin/tfb"
)

func TestParseWorlds(t *testing.T) {
	for _, bad := range []string{
		`[{"id":1}]`, `[{"id":1,"randomNumber":2,"x":3}]`, `[{"id":0,"randomNumber":2}]`,
		`[{"id":1,"randomNumber":"2"}]`, `{"id":1,"randomNumber":2}`, `[{"id":1,"randomNumber":2},{"id":2,"randomNumber":3}]`,
	} {
		if _, err := ParseWorlds([]byte(bad), 1); err == nil {
			t.Errorf("ParseWorlds(%s, 1) accepted", bad)
		}
	}
	if ws, err := ParseWorlds([]byte(`[{"id":7,"randomNumber":10000}]`), 1); err != nil || ws[0] != (tfb.World{ID: 7, RandomNumber: 10000}) {
		t.Errorf("parseWorlds: %+v, %v", ws, err)
	}
}
