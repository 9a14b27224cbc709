package fuzz

import (
	"os"
	"strings"
	"testing"

	"github.com/chopin-go/chopin/http1"
)

// FuzzDifferential reads data with http1 and with net/http's server. For
// each request both accept, everything a handler sees must agree; a request
// only one side accepts must fall in a documented difference
// (differences.go). Comparison stops at the first request either refuses.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		ours := runConn(http1.Limits{}, data, nil)
		theirs := serveNetHTTP(data)
		for i := 0; ; i++ {
			weOK, theyOK := i < len(ours.Msgs), i < len(theirs.Msgs)
			if !weOK && !theyOK {
				return
			}
			if weOK && theyOK {
				if err := compare(&ours.Msgs[i], &theirs.Msgs[i]); err != nil {
					t.Fatalf("request %d: %v\nhttp1:\n%s\nnet/http: %s", i, err,
						ours.String(), describe(theirs.Msgs[i].Req))
				}
				continue
			}
			d := disputeAt(data, i, &ours, &theirs)
			name := match(d)
			if name == "" {
				t.Fatalf("request %d: http1 accepts %t, net/http accepts %t (net/http: %v), no difference matches\ninput %q\nhttp1:\n%s",
					i, weOK, theyOK, theirs.Err, d.In, ours.String())
			}
			t.Logf("request %d: difference %q", i, name)
			return
		}
	})
}

// disputeAt describes request i, which only one side accepted.
func disputeAt(data []byte, i int, ours *outcome, theirs *netOutcome) *dispute {
	d := &dispute{}
	off := ours.ErrOff
	if i < len(ours.Msgs) {
		d.Msg = &ours.Msgs[i]
		off = d.Msg.Off
	} else if ours.End == endError {
		d.Ours = &http1.ParseError{Status: ours.Status, Reason: ours.Reason}
	}
	if i > 0 {
		d.PrevMethod = ours.Msgs[i-1].Method
	}
	d.In = data[off:]
	if i >= len(theirs.Msgs) {
		d.NetErr = theirs.Err
	}
	return d
}

// TestDifferencesDocumented keeps docs/DIFFERENCES.md in step with the
// predicates: every difference must have a row there.
func TestDifferencesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/DIFFERENCES.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range differences {
		if !strings.Contains(string(doc), "| "+d.Name+" |") {
			t.Errorf("difference %q has no row in docs/DIFFERENCES.md", d.Name)
		}
	}
}
