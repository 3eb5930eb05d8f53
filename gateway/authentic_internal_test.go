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
