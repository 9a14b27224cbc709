package http1

import "testing"

// scanValue must stop exactly where the byte loop would.
func TestScanValueMatchesByteLoop(t *testing.T) {
	for n := 0; n < 40; n++ {
		for stop := 0; stop <= n; stop++ {
			for bad := 0; bad < 256; bad++ {
				b := make([]byte, n)
				for k := range b {
					b[k] = byte('a' + k%26)
					if k%7 == 3 {
						b[k] = 0xc3 // obs-text
					}
					if k%11 == 5 {
						b[k] = '\t'
					}
				}
				if stop < n {
					b[stop] = byte(bad)
				}
				want := 0
				for want < n && isValue[b[want]] {
					want++
				}
				if got := scanValue(b, 0); got != want {
					t.Fatalf("n=%d stop=%d bad=%#x: got %d want %d", n, stop, bad, got, want)
				}
			}
		}
	}
}

func TestScanTokenMatchesByteLoop(t *testing.T) {
	for n := 0; n < 20; n++ {
		for stop := 0; stop <= n; stop++ {
			for bad := 0; bad < 256; bad++ {
				b := make([]byte, n)
				for k := range b {
					b[k] = "aZ0!#$%&'*+-.^_`|~"[k%18]
				}
				if stop < n {
					b[stop] = byte(bad)
				}
				want := 0
				for want < n && isToken[b[want]] {
					want++
				}
				if got := scanToken(b, 0); got != want {
					t.Fatalf("n=%d stop=%d bad=%#x: got %d want %d", n, stop, bad, got, want)
				}
			}
		}
	}
}
