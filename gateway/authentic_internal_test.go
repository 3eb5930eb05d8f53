package gateway

import "testing"

func TestStripComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mx; dkim=pass (2048-bit key; unprotected) header.d=zoom.us", "mx; dkim=pass   header.d=zoom.us"},
		{`a (nested (x; y) \) z) b`, "a   b"},
		{`a "quoted (not; a comment)" b`, `a "quoted (not; a comment)" b`},
		{"unterminated (comment; x", "unterminated "},
	}
	for _, tt := range tests {
		if got := stripComments(tt.in); got != tt.want {
			t.Errorf("stripComments(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzStripComments(f *testing.F) {
	f.Add(`mx; dkim=pass (a (b) "c") header.d=zoom.us \( "x\"y"`)
	f.Fuzz(func(t *testing.T, s string) {
		if len(stripComments(s)) > len(s) {
			t.Error("stripComments grew its input")
		}
	})
}

// TestAligned: the organizational domain comes from the Public Suffix
// List, so a signature of attacker.com.cn is not aligned with zoom.com.cn.
func TestAligned(t *testing.T) {
	tests := []struct {
		dkim, from string
		want       bool
	}{
		{"zoom.us", "no-reply@zoom.us", true},
		{"mail.zoom.us", "no-reply@zoom.us", true},
		{"zoom.us.", "no-reply@zoom.us", true},
		{"attacker.com.cn", "no-reply@zoom.com.cn", false},
		{"zoom.com.cn", "no-reply@zoom.com.cn", true},
		{"com.cn", "no-reply@zoom.com.cn", false},
		{"evil.co.uk", "alice@coop.co.uk", false},
		{"mx.coop.co.uk", "alice@coop.co.uk", true},
		{"coop.example", "alice@coop.example", true},
		{"", "alice@coop.example", false},
	}
	for _, tt := range tests {
		if got := aligned(tt.dkim, tt.from); got != tt.want {
			t.Errorf("aligned(%q, %q) = %v, want %v", tt.dkim, tt.from, got, tt.want)
		}
	}
}
