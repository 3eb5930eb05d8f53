package templates

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"sync"
)

// webFiles holds the web pages, web/*.html (html/template), and their
// stylesheet web/style.css. Every page file defines one named template per
// page (agenda, operator-audit…); layout.html defines the shared top and
// bottom of a page.
//
//go:embed web/*.html web/style.css
var webFiles embed.FS

// webSets caches the parsed page templates per language.
var webSets sync.Map // lang -> *htmltemplate.Template

// Web returns the web page templates in one language ("fr" or "en"),
// parsed once. Besides the mail functions (date, clock, slot, duration,
// plural), pages may call
//
//	tr  "key"        a word or sentence of the page catalogue
//	trn "key" n      the same for a count: key.one or key.many, %d replaced by n
//	css              the embedded stylesheet, for an inline <style>
//
// Execute a page by name: ExecuteTemplate(w, "agenda", data). The result
// is safe for concurrent use.
func Web(lang string) (*htmltemplate.Template, error) {
	if t, ok := webSets.Load(lang); ok {
		return t.(*htmltemplate.Template), nil
	}
	l, ok := locales[lang]
	if !ok {
		return nil, fmt.Errorf("templates: %w %q", ErrUnknownLang, lang)
	}
	funcs := l.funcs()
	words := webWords[lang]
	funcs["tr"] = func(key string) string { return word(words, key) }
	funcs["trn"] = func(key string, n int) string {
		if l.singular(n) {
			return fmt.Sprintf(word(words, key+".one"), n)
		}
		return fmt.Sprintf(word(words, key+".many"), n)
	}
	funcs["css"] = func() htmltemplate.CSS { return htmltemplate.CSS(WebCSS()) }
	t, err := htmltemplate.New("web").Funcs(funcs).ParseFS(webFiles, "web/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: parse web pages: %w", err)
	}
	got, _ := webSets.LoadOrStore(lang, t)
	return got.(*htmltemplate.Template), nil
}

// WebCSS returns the stylesheet the pages inline, byte for byte, so that a
// Content-Security-Policy can allow it by its hash.
func WebCSS() string {
	b, err := webFiles.ReadFile("web/style.css")
	if err != nil {
		panic("templates: web/style.css not embedded: " + err.Error())
	}
	return string(b)
}

// word looks a key up in a catalogue; a missing key shows as itself in
// brackets, visibly, rather than failing the page.
func word(words map[string]string, key string) string {
	if w, ok := words[key]; ok {
		return w
	}
	return "[" + key + "]"
}

// WebWord returns one word of the web pages' catalogue in a language, for
// texts written outside the page templates (the feeds' "Booked").
func WebWord(lang, key string) string {
	return word(webWords[lang], key)
}
