// Package templates holds roomgate's mail templates, in French and English,
// embedded in the binary and parsed once by Load.
//
// Each template name has, per language, a text file mail/<lang>/<name>.txt
// (text/template) and optionally an HTML file mail/<lang>/<name>.html
// (html/template). The text file defines the subject line with
// {{define "subject"}}…{{end}}; the rest of it is the text/plain body. The
// HTML file is the text/html body. Both get a gateway.MailView as data.
//
// Files whose name starts with "_" (mail/<lang>/_parts.txt, _parts.html) are
// shared parts: the templates they define can be used by every template of
// the same language and kind. They are not template names.
//
// The functions available in templates speak the language of their file:
//
//	date     time.Time           "mardi 1er décembre 2026" / "Tuesday 1 December 2026"
//	clock    time.Time           "10:00"
//	hours    gateway.Slot        "10:00 – 11:00" / "10:00–11:00"
//	slot     gateway.Slot        "mardi 1er décembre 2026, 10:00 – 11:00"
//	series   *gateway.Recurrence "chaque mardi du 1er au 29 décembre 2026, 10:00 – 11:00"
//	duration time.Duration       "1 h 30" / "1 hour 30 minutes", "8 h", "45 min"
//	plural   n, one, many        "1 jour", "2 jours"
//	theroom  name                "la salle Atelier", "la salle Opteos" for "Salle Opteos"
//	Theroom  name                the same at the start of a sentence
//
// Ranges of times never break across lines, and French texts get their
// no-break spaces before « : ; ! ? » and inside guillemets (see Typeset)
// after rendering: templates are written with ordinary spaces.
//
// An operator may replace any embedded file by a file with the same relative
// path under an override directory (see Load).
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"unicode/utf8"

	"codeberg.org/opteos/roomgate/gateway"
)

// files holds the embedded templates, mail/<lang>/<name>.{txt,html}. The
// files are named by pattern because embedding a whole directory would leave
// out the shared parts, whose names start with "_".
//
//go:embed mail/*/*.txt mail/*/*.html
var files embed.FS

// Errors returned by Render, wrapped with the offending value.
var (
	ErrUnknownLang     = errors.New("unknown language")
	ErrUnknownTemplate = errors.New("unknown template")
)

// subjectName is the template that a text file defines for the subject line.
const subjectName = "subject"

// Set is the parsed templates of every language. It is safe for concurrent
// use.
type Set struct {
	langs map[string]map[string]*pair // lang -> name -> templates
	names []string                    // sorted
}

// pair is one template name in one language.
type pair struct {
	text *texttemplate.Template
	html *htmltemplate.Template // nil when there is no HTML part
}

// Load parses the embedded templates once. When overrideDir is not "", a file
// there with the same relative path (e.g. mail/fr/accept.txt) replaces the
// embedded one. Load fails, naming the file, when a file does not parse, when
// a text file defines no subject, when an override file under mail/ matches
// no embedded file, or when a name lacks its text file in some language.
//
// Without an override directory the set is parsed once per process and
// shared: it never changes, and a Set is safe for concurrent use (a reload
// on SIGHUP, or the apps a test opens, need not parse it again).
func Load(overrideDir string) (*Set, error) {
	if overrideDir == "" {
		return embeddedSet()
	}
	return parse(overrideDir)
}

// embeddedSet is the embedded templates, parsed at the first Load("").
var embeddedSet = sync.OnceValues(func() (*Set, error) { return parse("") })

// parse parses the embedded templates with the overrides of overrideDir.
func parse(overrideDir string) (*Set, error) {
	paths, err := embeddedPaths()
	if err != nil {
		return nil, err
	}
	if overrideDir != "" {
		if err := checkOverrides(overrideDir, paths); err != nil {
			return nil, err
		}
	}
	srcs := make([]source, 0, len(paths))
	for _, p := range paths {
		src, err := readSource(overrideDir, p)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	s := &Set{langs: make(map[string]map[string]*pair)}
	b := bases{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, src := range srcs {
		if lang, name, ext, _ := splitPath(src.path); !isPart(name) {
			if err := s.add(src, b, partsOf(srcs, lang, ext)); err != nil {
				return nil, err
			}
		}
	}
	if err := s.complete(); err != nil {
		return nil, err
	}
	return s, nil
}

// embeddedPaths lists the embedded template files, sorted.
func embeddedPaths() ([]string, error) {
	var paths []string
	err := fs.WalkDir(files, "mail", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, _, _, ok := splitPath(p); !ok {
			return fmt.Errorf("embedded file %s: not mail/<lang>/<name>.txt or .html", p)
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return paths, nil
}

// splitPath splits "mail/<lang>/<name>.<ext>" for a known lang and ext.
func splitPath(p string) (lang, name, ext string, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 3 || parts[0] != "mail" {
		return "", "", "", false
	}
	lang, ext = parts[1], path.Ext(parts[2])
	name = strings.TrimSuffix(parts[2], ext)
	_, known := locales[lang]
	return lang, name, ext, known && name != "" && (ext == ".txt" || ext == ".html")
}

// checkOverrides refuses a template file under overrideDir/mail that would
// replace nothing (a misspelt name would otherwise be silently ignored).
func checkOverrides(dir string, embedded []string) error {
	root := filepath.Join(dir, "mail")
	if _, err := os.Stat(root); err != nil {
		return fmt.Errorf("templates: override directory: %w", err)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("templates: override directory: %w", err)
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != ".txt" && ext != ".html") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return fmt.Errorf("templates: override %s: %w", p, err)
		}
		if !slices.Contains(embedded, filepath.ToSlash(rel)) {
			return fmt.Errorf("templates: override %s replaces no embedded template", p)
		}
		return nil
	})
}

// source is the text of one template file.
type source struct {
	path string // embedded path, mail/<lang>/<name>.<ext>
	file string // where the text comes from, for errors
	text string
}

// isPart reports whether a file name is a shared part rather than a
// template name.
func isPart(name string) bool { return strings.HasPrefix(name, "_") }

// partsOf returns the shared parts of one language and kind.
func partsOf(srcs []source, lang, ext string) []source {
	var parts []source
	for _, src := range srcs {
		if l, n, e, _ := splitPath(src.path); l == lang && e == ext && isPart(n) {
			parts = append(parts, src)
		}
	}
	return parts
}

// bases holds, per language, the shared parts parsed once: each file of
// that language and kind is parsed into a clone of them.
type bases struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// add parses one template file together with the shared parts of its
// language and kind. Its own definitions win over the parts'.
func (s *Set) add(src source, b bases, parts []source) error {
	lang, name, ext, _ := splitPath(src.path)
	if s.langs[lang] == nil {
		s.langs[lang] = make(map[string]*pair)
	}
	tp := s.langs[lang][name]
	if tp == nil {
		tp = &pair{}
		s.langs[lang][name] = tp
	}
	var err error
	if ext == ".html" {
		tp.html, err = parseHTML(lang, src, b, parts)
	} else {
		tp.text, err = parseText(lang, src, b, parts)
	}
	return err
}

// parseText parses a text file into a clone of its parts; it must define
// the subject.
func parseText(lang string, src source, b bases, parts []source) (*texttemplate.Template, error) {
	base := b.text[lang]
	if base == nil {
		base = texttemplate.New("").Funcs(locales[lang].funcs())
		for _, p := range parts {
			if _, err := base.New(p.file).Parse(p.text); err != nil {
				return nil, fmt.Errorf("templates: parse %s: %w", p.file, err)
			}
		}
		b.text[lang] = base
	}
	c, err := base.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: parse %s: %w", src.file, err)
	}
	t, err := c.New(src.file).Parse(src.text)
	if err != nil {
		return nil, fmt.Errorf("templates: parse %s: %w", src.file, err)
	}
	if t.Lookup(subjectName) == nil {
		return nil, fmt.Errorf(`templates: parse %s: no {{define "subject"}}`, src.file)
	}
	return t, nil
}

// parseHTML parses an HTML file into a clone of its parts (never
// executed, so they may be cloned).
func parseHTML(lang string, src source, b bases, parts []source) (*htmltemplate.Template, error) {
	base := b.html[lang]
	if base == nil {
		base = htmltemplate.New("").Funcs(locales[lang].funcs())
		for _, p := range parts {
			if _, err := base.New(p.file).Parse(p.text); err != nil {
				return nil, fmt.Errorf("templates: parse %s: %w", p.file, err)
			}
		}
		b.html[lang] = base
	}
	c, err := base.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: parse %s: %w", src.file, err)
	}
	t, err := c.New(src.file).Parse(src.text)
	if err != nil {
		return nil, fmt.Errorf("templates: parse %s: %w", src.file, err)
	}
	return t, nil
}

// readSource reads embedded path p, or its override.
func readSource(overrideDir, p string) (source, error) {
	src := source{path: p, file: p}
	b, err := fs.ReadFile(files, p)
	if overrideDir != "" {
		f := filepath.Join(overrideDir, filepath.FromSlash(p))
		ob, oerr := os.ReadFile(f)
		switch {
		case oerr == nil:
			b, err, src.file = ob, nil, f
		case !errors.Is(oerr, fs.ErrNotExist):
			return src, fmt.Errorf("templates: %w", oerr)
		}
	}
	if err != nil {
		return src, fmt.Errorf("templates: %w", err)
	}
	if !utf8.Valid(b) {
		return src, fmt.Errorf("templates: %s: not valid UTF-8", src.file)
	}
	src.text = string(b)
	return src, nil
}

// complete checks that every name has a text file in every language, and
// records the sorted names.
func (s *Set) complete() error {
	for _, byName := range s.langs {
		for name := range byName {
			if !slices.Contains(s.names, name) {
				s.names = append(s.names, name)
			}
		}
	}
	slices.Sort(s.names)
	for lang := range locales {
		for _, name := range s.names {
			if tp := s.langs[lang][name]; tp == nil || tp.text == nil {
				return fmt.Errorf("templates: missing mail/%s/%s.txt", lang, name)
			}
		}
	}
	return nil
}

// Names lists the template names available, sorted. Every name exists in
// every language.
func (s *Set) Names() []string {
	return slices.Clone(s.names)
}

// Render implements gateway.Renderer. lang is "fr" or "en"; name is a
// template name such as gateway.TmplAccept. The subject is folded onto one
// line; HTML is "" when the template has no HTML part.
func (s *Set) Render(lang, name string, data any) (gateway.Rendered, error) {
	byName, ok := s.langs[lang]
	if !ok {
		return gateway.Rendered{}, fmt.Errorf("templates: %w %q", ErrUnknownLang, lang)
	}
	tp, ok := byName[name]
	if !ok {
		return gateway.Rendered{}, fmt.Errorf("templates: %w %q", ErrUnknownTemplate, name)
	}
	sc := scratches.Get().(*scratch)
	defer sc.put()
	var out gateway.Rendered
	sc.buf.Reset()
	if err := tp.text.ExecuteTemplate(&sc.buf, subjectName, data); err != nil {
		return gateway.Rendered{}, fmt.Errorf("templates: render %s/%s subject: %w", lang, name, err)
	}
	// A subject is one line: it needs no word joiner, which some mail
	// lists would show as a box.
	sc.out = appendOneLine(sc.out[:0], sc.buf.Bytes())
	out.Subject = strings.ReplaceAll(Typeset(lang, string(sc.out)), wj, "")
	sc.buf.Reset()
	if err := tp.text.Execute(&sc.buf, data); err != nil {
		return gateway.Rendered{}, fmt.Errorf("templates: render %s/%s text: %w", lang, name, err)
	}
	out.Text = sc.tidy(lang)
	if tp.html != nil {
		sc.buf.Reset()
		if err := tp.html.Execute(&sc.buf, data); err != nil {
			return gateway.Rendered{}, fmt.Errorf("templates: render %s/%s html: %w", lang, name, err)
		}
		out.HTML = sc.tidy(lang)
	}
	return out, nil
}

// renderBuffer is the size of Render's buffers: more than the HTML of the
// longest mail (an acceptance with its hosting steps, 4.6 KB in English,
// 4.9 KB in French).
const renderBuffer = 8 << 10

// scratch is the buffers of one Render: what a template writes, and its
// text tidied and typeset. Kept between calls (scratches), they make the
// only copy of a text its string.
type scratch struct {
	buf bytes.Buffer
	out []byte
}

// scratches keeps Render's buffers.
var scratches = sync.Pool{New: func() any {
	sc := &scratch{out: make([]byte, 0, renderBuffer)}
	sc.buf.Grow(renderBuffer)
	return sc
}}

// put gives sc back to scratches, unless a very long mail (a series with
// hundreds of dates) made it large.
func (sc *scratch) put() {
	if sc.buf.Cap() <= 8*renderBuffer && cap(sc.out) <= 8*renderBuffer {
		scratches.Put(sc)
	}
}

// tidy returns what the template wrote to sc.buf, tidied and typeset:
// Typeset(lang, tidyText(sc.buf.String())) (TestTidyTypeset).
func (sc *scratch) tidy(lang string) string {
	sc.out = appendTidy(sc.out[:0], sc.buf.Bytes(), lang == "fr")
	return string(sc.out)
}

// appendOneLine appends a subject folded onto one line: runs of ASCII
// white space become one space, and there is none at either end. No-break
// spaces are kept: they are typography, not layout. (No byte of a
// multi-byte UTF-8 sequence is ASCII, so the bytes can be read one by one.)
func appendOneLine(dst, s []byte) []byte {
	start := len(dst)
	space := false
	for _, c := range s {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
			space = true
		default:
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			dst = append(dst, c)
		}
	}
	return dst
}

// appendTidy appends s tidied: it trims trailing spaces on each line,
// folds runs of blank lines into one, drops leading and trailing blank
// lines and ends the text with exactly one newline, so that templates may
// be written loosely around actions. With french, each line gets its
// French spaces (frenchSpaces): none of the pairs it replaces spans a
// line break, nor ends with a trailing space.
func appendTidy(dst, s []byte, french bool) []byte {
	start := len(dst)
	blank := true // at the start, blank lines are dropped
	for len(s) > 0 {
		var l []byte
		if i := bytes.IndexByte(s, '\n'); i >= 0 {
			l, s = s[:i], s[i+1:]
		} else {
			l, s = s, nil
		}
		for len(l) > 0 && (l[len(l)-1] == ' ' || l[len(l)-1] == '\t' || l[len(l)-1] == '\r') {
			l = l[:len(l)-1]
		}
		if len(l) == 0 {
			blank = true
			continue
		}
		if blank && len(dst) > start {
			dst = append(dst, '\n')
		}
		blank = false
		if french {
			if i := nextFrenchSpace(l, 0); i >= 0 {
				dst = appendFrenchSpaces(dst, l, i)
				dst = append(dst, '\n')
				continue
			}
		}
		dst = append(dst, l...)
		dst = append(dst, '\n')
	}
	return dst
}

// Compile-time check that Set implements gateway.Renderer.
var _ gateway.Renderer = (*Set)(nil)
