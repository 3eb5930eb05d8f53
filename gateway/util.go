package gateway

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// headerDecoder decodes RFC 2047 encoded words in any charset go-message
// knows.
var headerDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

func decodeHeader(v string) string {
	s, err := headerDecoder.DecodeHeader(v)
	if err != nil {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(s)
}

// maxReason bounds a reason built from untrusted input.
const maxReason = 300

// printable makes an error text that may quote raw input (a header line,
// say) fit for logs, the audit log and a database text column: invalid
// UTF-8 and control characters removed (PostgreSQL refuses NUL in text),
// at most maxReason octets.
func printable(s string) string { return Printable(s) }

// Printable makes a text read from a message fit for logs, the audit log
// and a database text column: invalid UTF-8 and control characters
// removed (PostgreSQL refuses NUL in text), at most 300 octets.
func Printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxNameLen and maxSummaryLen bound the names and titles stored from
// input.
const (
	maxNameLen    = 200
	maxSummaryLen = 500
)

// StoredText is storedText, for the meeting layer's texts read from its
// provider (a participant's name, a meeting's title).
func StoredText(s string, n int) string { return storedText(s, n) }

// storedText makes a text read from a message fit for the database and
// for mails: valid UTF-8, each control character (a line break in a
// SUMMARY, a NUL) made a space, at most n octets.
func storedText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
