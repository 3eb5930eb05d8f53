package templates

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestWebWordsComplete(t *testing.T) {
	keys := func(lang string) []string {
		var ks []string
		for k := range webWords[lang] {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if en, fr := keys("en"), keys("fr"); !slices.Equal(en, fr) {
		t.Errorf("catalogues differ:\nen %v\nfr %v", en, fr)
	}
	if got := WebWord("fr", "booked"); got != "Réservé" {
		t.Errorf(`WebWord("fr", "booked") = %q`, got)
	}
	if got := WebWord("en", "no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key shows %q", got)
	}
}

func TestWebTemplates(t *testing.T) {
	for _, lang := range langs {
		tmpl, err := Web(lang)
		if err != nil {
			t.Fatalf("Web(%s): %v", lang, err)
		}
		again, _ := Web(lang)
		if again != tmpl {
			t.Errorf("Web(%s) parsed twice", lang)
		}
		for _, page := range []string{"top", "bottom", "agenda", "operator", "operator-audit", "operator-outbox", "operator-rejected"} {
			if tmpl.Lookup(page) == nil {
				t.Errorf("Web(%s) lacks page %q", lang, page)
			}
		}
		// Every word a page asks for exists.
		for _, f := range []string{"agenda.html", "layout.html", "operator.html"} {
			b, err := webFiles.ReadFile("web/" + f)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range strings.Split(string(b), `{{tr "`)[1:] {
				key := part[:strings.IndexByte(part, '"')]
				if _, ok := webWords[lang][key]; !ok {
					t.Errorf("%s: word %q missing in %s", f, key, lang)
				}
			}
		}
	}
	if _, err := Web("de"); !errors.Is(err, ErrUnknownLang) {
		t.Errorf("Web(de): %v, want ErrUnknownLang", err)
	}
	if css := WebCSS(); !strings.Contains(css, "@media") || strings.Contains(css, "</style") {
		t.Errorf("WebCSS unexpected: %q", css[:40])
	}
}

// TestWebCSSTypeset: French pages get their no-break spaces after
// rendering; the stylesheet must come out unchanged, or its hash (in the
// Content-Security-Policy) would no longer match.
func TestWebCSSTypeset(t *testing.T) {
	if css := WebCSS(); Typeset("fr", css) != css {
		t.Error("Typeset changes the stylesheet: write it without a space before : ; ! ?")
	}
}
