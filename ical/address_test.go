package ical

import (
	"strings"
	"testing"
)

func TestParseCalAddress(t *testing.T) {
	good := []struct{ in, want string }{
		{"mailto:alice@coop.example", "alice@coop.example"},
		{"MAILTO:Alice@Coop.Example", "alice@coop.example"},
		{"Mailto:alice.dupont+zoom@coop.example", "alice.dupont+zoom@coop.example"},
		{"no-reply@zoom.us", "no-reply@zoom.us"},
		{" mailto:bob@coop.example ", "bob@coop.example"},
		{"mailto:o'brien@coop.example", "o'brien@coop.example"},
		{"mailto:élodie@coop.example", "élodie@coop.example"},
		{"mailto:jean@bücher.example", "jean@xn--bcher-kva.example"},
		{"mailto:jean@ＣＯＯＰ.example", "jean@coop.example"},
		{"mailto:x@sub.coop.example", "x@sub.coop.example"},
	}
	for _, c := range good {
		got, err := ParseCalAddress(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseCalAddress(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []string{
		"mailto:mallory@evil.example@coop.example",
		"mailto:mallory%evil.example@coop.example",
		"mailto:evil.example!mallory@coop.example",
		`mailto:"mallory@evil.example"@coop.example`,
		"mailto:mallory@evil.example,alice@coop.example",
		"mailto:alice@coop.example,mallory@evil.example",
		"mailto:alice@coop.example?cc=mallory@evil.example",
		"mailto:alice@coop.example?body=x",
		"mailto:mallory@evil.example\talice@coop.example",
		"mailto:mallory@evil.example alice@coop.example",
		"mailto:mallory＠evil.example@coop.example",
		"mailto:mallory@evil.example＠coop.example",
		"mailto:mallory\x00@coop.example",
		"mailto:alice@coop.example\r\nBcc: mallory@evil.example",
		"mailto:alice%40coop.example",
		"mailto:alice@[192.0.2.1]",
		"mailto:alice@192.0.2.1",
		"mailto:alice@localhost",
		"mailto:alice@-coop.example",
		"mailto:alice@coop..example",
		"mailto:.alice@coop.example",
		"mailto:al..ice@coop.example",
		"mailto:alice.@coop.example",
		"mailto:@coop.example",
		"mailto:alice@",
		"mailto:",
		"",
		"mailto:alice@coop.example#frag",
		"mailto:" + strings.Repeat("a", 65) + "@coop.example",
		"mailto:a@" + strings.Repeat("b", 250) + ".example",
		"mailto:a@co_op.example",
		"mailto:\xff@coop.example",
	}
	for _, in := range bad {
		if got, err := ParseCalAddress(in); err == nil {
			t.Errorf("ParseCalAddress(%q) = %q, want an error", in, got)
		}
	}
}

func TestParseDomain(t *testing.T) {
	for in, want := range map[string]string{"Coop.Example": "coop.example", "bücher.example": "xn--bcher-kva.example"} {
		if got, err := ParseDomain(in); err != nil || got != want {
			t.Errorf("ParseDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "example", "a@b.example", "evil.example＠coop.example", "1.2.3.4", "a b.example"} {
		if got, err := ParseDomain(in); err == nil {
			t.Errorf("ParseDomain(%q) = %q, want an error", in, got)
		}
	}
}

func FuzzParseCalAddress(f *testing.F) {
	for _, s := range []string{"mailto:alice@coop.example", "mailto:a@b@c.example", "x@bücher.example", "mailto:a?cc=b@c.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseCalAddress(s)
		if err != nil {
			return
		}
		// What passes is one plain mailbox that parses to itself.
		if strings.Count(got, "@") != 1 || strings.ContainsAny(got, " \t\r\n\"%!,?<>()[]\\;:") {
			t.Fatalf("ParseCalAddress(%q) = %q", s, got)
		}
		again, err := ParseMailbox(got)
		if err != nil || again != got {
			t.Fatalf("ParseMailbox(%q) = %q, %v; not stable", got, again, err)
		}
	})
}
