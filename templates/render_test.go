package templates

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The functions Render used before appendOneLine and appendTidy, which
// must give what they gave.

// oneLine folds a subject onto one line: runs of ASCII white space become
// one space. No-break spaces are kept: they are typography, not layout.
func oneLine(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\v' || r == '\f' })
	return strings.Join(f, " ")
}

// tidy trims trailing spaces on each line, folds runs of blank lines into
// one, drops leading and trailing blank lines and ends the text with exactly
// one newline, so that templates may be written loosely around actions.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := true // at the start, blank lines are dropped
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			blank = true
			continue
		}
		if blank && b.Len() > 0 {
			b.WriteByte('\n')
		}
		blank = false
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// randomLines is a text made of the pieces that tidy, oneLine and
// frenchSpaces look at: line breaks, blank lines, trailing spaces and
// tabs, CRs, the pairs French typography spaces, and bytes that are not
// ASCII.
func randomLines(r *rand.Rand) string {
	pieces := []string{"a", "Salle", " ", "  ", "\t", "\r", "\n", "\n\n", "\r\n", " \n", "\t\n", ":", ";", "!", "?",
		"«", "»", "« ", " »", " :", nbsp, wj, "é", "\xc2", "\xff", "\v", "\f", "Clé hôte : 482913"}
	var b strings.Builder
	for n := r.IntN(40); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestTidyTypeset: appendTidy gives Typeset(lang, tidy(s)) and
// appendOneLine gives oneLine(s), in both languages, on made texts and on
// every mail of every template, appending to what dst holds.
func TestTidyTypeset(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var cases []string
	for range 30000 {
		cases = append(cases, randomLines(r))
	}
	s := load(t)
	for _, lang := range langs {
		for _, name := range s.Names() {
			tp := s.langs[lang][name]
			for _, data := range []any{fullView(t), seriesView(t)} {
				var b strings.Builder
				if err := tp.text.Execute(&b, data); err != nil {
					t.Fatal(err)
				}
				cases = append(cases, b.String())
			}
		}
	}
	for _, c := range cases {
		for _, lang := range langs {
			want := Typeset(lang, tidy(c))
			if got := string(appendTidy(nil, []byte(c), lang == "fr")); got != want {
				t.Fatalf("appendTidy(%s, %q)\n = %q\nwant %q", lang, c, got, want)
			}
			if got := string(appendTidy([]byte("x"), []byte(c), lang == "fr")); got != "x"+want {
				t.Fatalf("appendTidy(x, %s, %q) = %q", lang, c, got)
			}
		}
		if got, want := string(appendOneLine([]byte("x"), []byte(c))), "x"+oneLine(c); got != want {
			t.Fatalf("appendOneLine(%q) = %q, want %q", c, got, want)
		}
	}
}

// FuzzTidyTypeset: appendTidy and appendOneLine agree with the functions
// they replace on any text.
func FuzzTidyTypeset(f *testing.F) {
	f.Add("Bonjour ,\n\n\n« Point » : ok \t\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, lang := range langs {
			if got, want := string(appendTidy(nil, []byte(s), lang == "fr")), Typeset(lang, tidy(s)); got != want {
				t.Fatalf("appendTidy(%s, %q) = %q, want %q", lang, s, got, want)
			}
		}
		if got, want := string(appendOneLine(nil, []byte(s))), oneLine(s); got != want {
			t.Fatalf("appendOneLine(%q) = %q, want %q", s, got, want)
		}
	})
}
