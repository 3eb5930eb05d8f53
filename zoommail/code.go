package zoommail

import (
	"bytes"
	"html"
	"io"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
)

// maxPartText bounds the text read from one body part.
const maxPartText = 1 << 20

// bodyTexts returns the first text/plain and text/html parts of a message,
// with their transfer encoding and charset decoded. Parts that cannot be
// read are skipped: Zoom's mail is small and simple.
func bodyTexts(raw []byte) (text, htmlBody string) {
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
		return "", ""
	}
	_ = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return nil
		}
		mt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if mt == "" {
			mt = "text/plain"
		}
		if disp, _, _ := part.Header.ContentDisposition(); disp == "attachment" {
			return nil
		}
		switch {
		case mt == "text/plain" && text == "":
			text = readPart(part.Body)
		case mt == "text/html" && htmlBody == "":
			htmlBody = readPart(part.Body)
		}
		return nil
	})
	return text, htmlBody
}

func readPart(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxPartText))
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Parts of an HTML document that hold no visible text, and tags.
var (
	htmlHidden  = regexp.MustCompile(`(?is)<!--.*?-->|<(style|script|head|title)\b[^>]*>.*?</(style|script|head|title)\s*>`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	blankSpaces = regexp.MustCompile(`[ \t\x{00a0}\x{200b}\x{200c}\x{200d}\x{feff}]+`)
)

// htmlText turns an HTML body into text, one line per text block: every
// tag ends a block, so a value set apart in its own element (as Zoom sets
// the code) lands on a line of its own. Styles, scripts, the head and
// comments are dropped with their content; attributes go with their tags.
func htmlText(h string) string {
	h = htmlHidden.ReplaceAllString(h, "\n")
	h = htmlTag.ReplaceAllString(h, "\n")
	h = html.UnescapeString(h)
	var b strings.Builder
	for l := range strings.Lines(h) {
		l = strings.TrimSpace(blankSpaces.ReplaceAllString(l, " "))
		if l != "" {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// codeLine is a line that holds a six-digit code and nothing else but
// spacing and emphasis marks.
var codeLine = regexp.MustCompile(`^[\s*_>|]*([0-9]{6})[\s*_.|]*$`)

// codeInSubject is a six-digit word at the start of a subject, as in
// "483920 is your Zoom verification code".
var codeInSubject = regexp.MustCompile(`^\s*([0-9]{6})(\s|$)`)

// findCode extracts a Zoom sign-in code. Zoom writes it on a line (or in an
// HTML block) of its own, in every language, so only such a line counts:
// this never takes a number from a sentence, a phone number
// (+1.888.799.9666), a ZIP code (95113), a date, or a CSS value (those
// live in attributes and style elements, which are dropped). The subject's
// leading word counts too. It returns "" when no code, or two different
// codes, are found.
func findCode(subject, text, htmlBody string) string {
	found := map[string]bool{}
	if m := codeInSubject.FindStringSubmatch(subject); m != nil {
		found[m[1]] = true
	}
	for _, body := range []string{text, htmlText(htmlBody)} {
		for l := range strings.Lines(body) {
			l = strings.TrimSpace(blankSpaces.ReplaceAllString(l, " "))
			if m := codeLine.FindStringSubmatch(l); m != nil {
				found[m[1]] = true
			}
		}
	}
	if len(found) != 1 {
		return ""
	}
	for c := range found {
		return c
	}
	return ""
}
