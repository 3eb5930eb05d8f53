package mailauth_test

import (
	"strings"
	"testing"

	"codeberg.org/opteos/roomgate/mailauth"
)

// TestAuthservID: the id alone is read, even of a field whose results are
// refused; nothing glued to it passes.
func TestAuthservID(t *testing.T) {
	for field, want := range map[string]string{
		"mx.coop.example; dmarc=pass header.from=coop.example":       "mx.coop.example",
		"  mx.coop.example 1; spf=pass smtp.mailfrom=coop.example":   "mx.coop.example",
		"(rspamd 3.4) mx.coop.example; dkim=none":                    "mx.coop.example",
		"mx.coop.example (a (nested \\) comment)); dkim=none":        "mx.coop.example",
		`"mx.coop.example"; none`:                                    "mx.coop.example",
		"mx1.provider.example;\r\n\tdkim=pass header.d=coop.example": "mx1.provider.example",
		"mx.coop.example":                   "mx.coop.example",
		"":                                  "",
		"; dkim=pass":                       "",
		`"unterminated; dkim=pass`:          "",
		"mx.coop.example=x; dkim=pass":      "",
		"(only a comment)":                  "",
		strings.Repeat("a", 256) + "; none": "",
		"i=1; mx.google.com; dkim=pass header.i=@coop.example":                         "",
		"mx.google.com; dkim=pass header.i=@coop.example header.s=s1 header.b=\"abc\"": "mx.google.com",
	} {
		if got := mailauth.AuthservID(field); got != want {
			t.Errorf("AuthservID(%q) = %q, want %q", field, got, want)
		}
	}
}

func FuzzAuthservID(f *testing.F) {
	f.Add("mx.coop.example; dmarc=pass")
	f.Add(`(c) "q\"x"; none`)
	f.Fuzz(func(t *testing.T, field string) {
		id := mailauth.AuthservID(field)
		if len(id) > 255 || (id != "" && !strings.Contains(field, strings.ReplaceAll(id, `"`, ""))) && !strings.Contains(field, `\`) {
			t.Fatalf("AuthservID(%q) = %q", field, id)
		}
	})
}
