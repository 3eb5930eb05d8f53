package mailauth

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want *Results
	}{
		{"mx.coop.example; none", &Results{AuthservID: "mx.coop.example"}},
		{" mx.coop.example 1 (comment) ;\r\n\tnone (x)", &Results{AuthservID: "mx.coop.example", Version: "1"}},
		{`"mx.coop.example"; dmarc=pass header.from=coop.example`, &Results{AuthservID: "mx.coop.example",
			Results: []Result{{Method: "dmarc", Value: "pass", Props: []Property{{"header", "from", "coop.example"}}}}}},
		{"mx; DKIM/1 = Pass (2048-bit key; unprotected) reason=\"good; sig\" header.d=zoom.us header.i=@zoom.us header.b=\"AbC+/9=\"",
			&Results{AuthservID: "mx", Results: []Result{{Method: "dkim", MethodVersion: "1", Value: "pass", Reason: "good; sig",
				Props: []Property{{"header", "d", "zoom.us"}, {"header", "i", "@zoom.us"}, {"header", "b", "AbC+/9="}}}}}},
		{`mx; spf=pass smtp.mailfrom=bounce+x=y@mail.coop.example; auth=pass smtp.auth="a b"@coop.example`,
			&Results{AuthservID: "mx", Results: []Result{
				{Method: "spf", Value: "pass", Props: []Property{{"smtp", "mailfrom", "bounce+x=y@mail.coop.example"}}},
				{Method: "auth", Value: "pass", Props: []Property{{"smtp", "auth", `"a b"@coop.example`}}}}}},
		{"mx; dkim=none (no (nested \\) sig) here); spf=none", &Results{AuthservID: "mx",
			Results: []Result{{Method: "dkim", Value: "none"}, {Method: "spf", Value: "none"}}}},
		{"mx;\r\n dmarc = pass (p=none) header . from = coop.example", &Results{AuthservID: "mx",
			Results: []Result{{Method: "dmarc", Value: "pass", Props: []Property{{"header", "from", "coop.example"}}}}}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestParseRefuses: any syntax error refuses the whole field.
func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"",
		"mx",
		"mx dmarc=pass",
		"mx; dmarc=pass;",                  // a trailing ";" starts no resinfo
		"mx; dmarc=pass header.from",       // no value
		"mx; dmarc=pass header.from=",      // empty value
		"mx; dmarc=pass from=coop.example", // no ptype
		"mx; dmarc=pass header.from=a@b",   // a domain-name has two labels
		"mx; dmarc=pass header.from=coop.example(", // unterminated comment
		`mx; dmarc=pass header.from="coop.example`,
		"mx; dmarc=pass (a\r\nb) header.from=coop.example", // a line break not folding
		"mx; dmarc=pass\x00 header.from=coop.example",
		"mx; -dmarc=pass",
		"mx; dmarc=pass reason=x reason=y",
		"mx; dmarc=pass header.from=coop.example garbage",
		"mx; none; dmarc=pass",
		"mx; dmarc/x=pass",
		"mx;dmarc=pass;x);dmarc=pass;(y",
		"mx; dmarc=pass header.from=x..y@coop.example",
		"mx; dmarc=pass" + strings.Repeat("(", 40) + strings.Repeat(")", 40),
	} {
		if r, err := Parse(in); err == nil || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %+v, %v; want a syntax error", in, r, err)
		}
	}
}

// format writes parsed results back as a field value; Parse reads it back
// to the same results (FuzzParse).
func format(r *Results) string {
	var b strings.Builder
	b.WriteString(quoteValue(r.AuthservID))
	if r.Version != "" {
		b.WriteString(" " + r.Version)
	}
	if len(r.Results) == 0 {
		b.WriteString("; none")
	}
	for _, x := range r.Results {
		b.WriteString("; " + x.Method)
		if x.MethodVersion != "" {
			b.WriteString("/" + x.MethodVersion)
		}
		b.WriteString("=" + x.Value)
		if x.Reason != "" {
			b.WriteString(" reason=" + quoteValue(x.Reason))
		}
		for _, p := range x.Props {
			v := p.Value
			if q := (&parser{s: v}); !strings.Contains(v, "@") || !readsAs(q, v) {
				v = quoteValue(v)
			}
			b.WriteString(" " + p.Type + "." + p.Name + "=" + v)
		}
	}
	return b.String()
}

// readsAs reports whether p reads its whole input as the pvalue v.
func readsAs(p *parser, v string) bool {
	got, err := p.pvalue()
	return err == nil && p.i == len(p.s) && got == v
}

func quoteValue(s string) string {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return quoteLocal(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

func FuzzParse(f *testing.F) {
	f.Add("mx.coop.example; dkim=pass (2048-bit key; unprotected) header.d=coop.example header.i=@coop.example; dmarc=pass (p=none dis=none) header.from=coop.example")
	f.Add("mx; spf=none (no SPF record) smtp.helo=\"x);dmarc=pass;(y\" (client-ip=192.0.2.25; helo=x);dmarc=pass;(y; envelope-from=<>)")
	f.Add("mx 1; none")
	f.Add(`mx; auth=pass smtp.auth="a\"b"@coop.example reason="x"`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(format(r))
		if err != nil {
			t.Fatalf("Parse(%q) = %+v; its formatting %q does not parse: %v", s, r, format(r), err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("Parse(%q) = %+v; its formatting %q reads %+v", s, r, format(r), again)
		}
		_, _ = parseUnambiguous(s)
	})
}
