package http1

import "testing"

// TestValidAuthority checks uri-host [ ":" port ] (RFC 3986 §3.2.2,
// §3.2.3) as Host, absolute-form and authority-form use it.
func TestValidAuthority(t *testing.T) {
	for _, tt := range []struct {
		a              string
		ok, okWithPort bool // needPort false, needPort true
	}{
		{"example.com", true, false},
		{"example.com:443", true, true},
		{"example.com:", true, false}, // port = *DIGIT may be empty
		{"a-b_c.~!$&'()*+,;=", true, false},
		{"a%2Db", false, false}, // escapes are refused in hosts, see validAuthority
		{"192.0.2.1:80", true, true},
		{"[::1]", true, false},
		{"[::1]:8080", true, true},
		{"[2001:db8::ff00:42:8329]", true, false},
		{"[2001:0db8:0000:0000:0000:ff00:0042:8329]", true, false},
		{"[::ffff:192.0.2.1]:80", true, true},
		{"[1:2:3:4:5:6:7::]", true, false},
		{"[::]", true, false},
		{"[v1.fe80::a+en1]", true, false}, // IPvFuture
		{"", false, false},
		{":80", false, false},
		{"a:b", false, false},
		{"a:80:81", false, false},
		{"a b", false, false},
		{"user@a", false, false},
		{"a/b", false, false},
		{"a%zz", false, false},
		{"a%2", false, false},
		{"a]", false, false},
		{"::1", false, false},
		{"[]", false, false},
		{"[zz]", false, false},
		{"[::1", false, false},
		{"[::1]x", false, false},
		{"[::1]:8o", false, false},
		{"[1.2.3.4]", false, false},
		{"[1:2:3:4:5:6:7:8:9]", false, false},
		{"[1:2:3:4:5:6:7]", false, false},
		{"[1::2::3]", false, false},
		{"[:::]", false, false},
		{"[1:]", false, false},
		{"[12345::]", false, false},
		{"[::256.0.0.1]", false, false},
		{"[::1.2.3]", false, false},
		{"[::01.2.3.4]", false, false},
		{"[fe80::1%25eth0]", false, false}, // zone IDs (RFC 6874) are not HTTP
		{"[v.x]", false, false},
		{"[vz.x]", false, false},
		{"[v1.]", false, false},
	} {
		if got := validAuthority([]byte(tt.a), false); got != tt.ok {
			t.Errorf("validAuthority(%q, false) = %v, want %v", tt.a, got, tt.ok)
		}
		if got := validAuthority([]byte(tt.a), true); got != tt.okWithPort {
			t.Errorf("validAuthority(%q, true) = %v, want %v", tt.a, got, tt.okWithPort)
		}
	}
}
