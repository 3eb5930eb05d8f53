package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// This file adapts the messages of the real-world corpus (see
// ROOMGATE_TEST_CORPUS in corpus_test.go) at run time: the calendar parts
// are decoded, edited and encoded again, and every other byte of the
// message is kept. Nothing of the corpus is stored in the repository.

// corpusRoom is the room the adapted messages invite.
const corpusRoom = "zoom@coop.example"

// corpusAttendeeLine is the line added to calendars that name nobody.
const corpusAttendeeLine = "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + corpusRoom

// editCalendars applies edit to the decoded body of every calendar part of
// the MIME entity raw (header and body) and returns the entity with those
// parts encoded again as they were (base64 with its line width,
// quoted-printable, or as is).
func editCalendars(t *testing.T, raw []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	hdrEnd := headerEnd(raw)
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw[:hdrEnd])))
	if err != nil {
		t.Fatalf("corpus: unreadable header: %v", err)
	}
	mt, params := lenientMediaType(h.Get("Content-Type"))
	body := raw[hdrEnd:]
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		body = editMultipart(t, body, params["boundary"], edit)
	case isCorpusCalendar(mt, params, h):
		body = editBody(t, strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))), body, edit)
	}
	return append(append([]byte{}, raw[:hdrEnd]...), body...)
}

// headerEnd returns the offset of the body: after the first empty line.
func headerEnd(raw []byte) int {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return len(raw)
		}
		line := raw[i : i+j]
		i += j + 1
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return i
		}
	}
	return len(raw)
}

// lenientMediaType parses a Content-Type as mail readers do, also when it
// holds empty parameters ("method=REQUEST;;").
func lenientMediaType(v string) (string, map[string]string) {
	if mt, params, err := mime.ParseMediaType(v); err == nil {
		return mt, params
	}
	fields := strings.Split(v, ";")
	params := map[string]string{}
	for _, f := range fields[1:] {
		if k, val, ok := strings.Cut(f, "="); ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	return strings.ToLower(strings.TrimSpace(fields[0])), params
}

// isCorpusCalendar reports the parts holding a calendar: by type, or by
// an .ics file name.
func isCorpusCalendar(mt string, params map[string]string, h textproto.Header) bool {
	if mt == "text/calendar" || mt == "application/ics" {
		return true
	}
	name := params["name"]
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		name = dp["filename"]
	}
	return strings.HasSuffix(strings.ToLower(name), ".ics")
}

// editMultipart edits each part between the delimiter lines of boundary;
// the preamble, the delimiters and the epilogue are kept. A multipart
// whose closing delimiter is missing ends with the data.
func editMultipart(t *testing.T, body []byte, boundary string, edit func([]byte) []byte) []byte {
	delim := []byte("--" + boundary)
	var out []byte
	partStart := -1 // offset of the current part, -1 in the preamble
	for i := 0; i < len(body); {
		next := len(body)
		if j := bytes.IndexByte(body[i:], '\n'); j >= 0 {
			next = i + j + 1
		}
		line := bytes.TrimRight(body[i:next], "\r\n")
		rest, ok := bytes.CutPrefix(line, delim)
		rest = bytes.TrimRight(rest, " \t")
		if ok && (len(rest) == 0 || string(rest) == "--") {
			end := trimBreak(body, partStart, i) // the line break before a delimiter belongs to it
			if partStart < 0 {
				out = append(out, body[:end]...)
			} else {
				out = append(out, editCalendars(t, body[partStart:end], edit)...)
			}
			out = append(out, body[end:next]...)
			if len(rest) == 2 {
				return append(out, body[next:]...) // the epilogue as is
			}
			partStart = next
		}
		i = next
	}
	if partStart < 0 {
		return body
	}
	return append(out, editCalendars(t, body[partStart:], edit)...)
}

// trimBreak returns the end of the part that precedes a delimiter line at
// i: without the CRLF or LF before it.
func trimBreak(body []byte, start, i int) int {
	end := i
	if end > 0 && end > start && body[end-1] == '\n' {
		end--
		if end > 0 && end > start && body[end-1] == '\r' {
			end--
		}
	}
	return end
}

// editBody decodes a leaf body, edits it and encodes it again.
func editBody(t *testing.T, cte string, body []byte, edit func([]byte) []byte) []byte {
	lf := !bytes.Contains(body, []byte("\r\n"))
	switch cte {
	case "base64":
		width := bytes.IndexAny(body, "\r\n")
		if width <= 0 {
			width = 76
		}
		clean := bytes.Join(bytes.Fields(body), nil)
		data, err := base64.StdEncoding.DecodeString(string(clean))
		if err != nil {
			t.Fatalf("corpus: base64 part: %v", err)
		}
		eol := "\r\n"
		if lf {
			eol = "\n"
		}
		return wrapBase64(base64.StdEncoding.EncodeToString(edit(data)), width, eol, trailing(body))
	case "quoted-printable":
		data, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatalf("corpus: quoted-printable part: %v", err)
		}
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write(edit(data))
		w.Close()
		out := b.Bytes()
		if lf {
			out = bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))
		}
		return out
	}
	return edit(body)
}

// trailing returns the line break that ends body, if any.
func trailing(body []byte) string {
	switch {
	case bytes.HasSuffix(body, []byte("\r\n")):
		return "\r\n"
	case bytes.HasSuffix(body, []byte("\n")):
		return "\n"
	}
	return ""
}

func wrapBase64(s string, width int, eol, end string) []byte {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + eol)
		s = s[width:]
	}
	b.WriteString(s)
	b.WriteString(end)
	return []byte(b.String())
}

// replaceAddress returns an edit that puts repl in place of every
// occurrence of addr (compared without case), also where a folded line
// (RFC 5545 §3.1) splits it; the fold inside an occurrence goes away with
// it, every other byte stays. count is incremented per occurrence.
func replaceAddress(addr, repl string, count *int) func([]byte) []byte {
	return func(data []byte) []byte {
		var unfolded []byte
		var at []int // offset in data of each byte of unfolded
		for i := 0; i < len(data); {
			if n := foldAt(data, i); n > 0 {
				i += n
				continue
			}
			unfolded, at = append(unfolded, data[i]), append(at, i)
			i++
		}
		lower, want := bytes.ToLower(unfolded), []byte(strings.ToLower(addr))
		var out []byte
		last := 0
		for pos := 0; ; {
			j := bytes.Index(lower[pos:], want)
			if j < 0 {
				break
			}
			j += pos
			s, e := at[j], at[j+len(want)-1]+1
			out = append(append(out, data[last:s]...), repl...)
			last, pos = e, j+len(want)
			*count++
		}
		return append(out, data[last:]...)
	}
}

// foldAt returns the length of the fold (line break then one space or
// tab) at data[i], or 0.
func foldAt(data []byte, i int) int {
	n := 0
	if i+1 < len(data) && data[i] == '\r' && data[i+1] == '\n' {
		n = 2
	} else if data[i] == '\n' {
		n = 1
	}
	if n > 0 && i+n < len(data) && (data[i+n] == ' ' || data[i+n] == '\t') {
		return n + 1
	}
	return 0
}

// addAttendee returns an edit that adds corpusAttendeeLine after every
// BEGIN:VEVENT line, with the line break the calendar uses.
func addAttendee(count *int) func([]byte) []byte {
	return func(data []byte) []byte {
		var out []byte
		for len(data) > 0 {
			j := bytes.IndexByte(data, '\n')
			if j < 0 {
				return append(out, data...)
			}
			line := data[:j+1]
			out, data = append(out, line...), data[j+1:]
			if strings.EqualFold(strings.TrimRight(string(line), "\r\n"), "BEGIN:VEVENT") {
				eol := "\n"
				if bytes.HasSuffix(line, []byte("\r\n")) {
					eol = "\r\n"
				}
				out = append(out, corpusAttendeeLine+eol...)
				*count++
			}
		}
		return out
	}
}
