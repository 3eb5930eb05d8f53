package ical

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"sync"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// Limits of the MIME walk.
const (
	maxMIMEDepth   = 20
	maxMIMEParts   = 1000
	defaultMaxSize = 4 << 20
)

// calendarPart is one calendar found in a message.
type calendarPart struct {
	data   []byte
	inline bool
}

// finder walks a MIME tree and collects calendar parts.
type finder struct {
	maxSize int64
	parts   int
	found   []calendarPart
}

// FindCalendar walks a MIME message in any layout (multipart/mixed >
// alternative, attachments; a nested message/rfc822 is not followed), finds
// every text/calendar and application/ics part (and .ics attachments typed
// application/octet-stream), decodes their transfer encoding and charset
// (default UTF-8; an unknown charset is an error) and returns the decoded
// bytes of the chosen calendar: the first inline one, else the first
// attachment. Google and Thunderbird send the same calendar twice (RFC 6047
// §2.4 allows it), so this picks the inline copy.
//
// A calendar part larger than maxSize octets, decoded, is an error;
// maxSize <= 0 means 4 MiB. Broken MIME gives an error, never a panic.
// ErrNoCalendar is returned when there is no calendar part.
func FindCalendar(raw []byte, maxSize int64) (cal []byte, err error) {
	defer recoverError("find calendar", &err)
	h, body, err := ReadHeader(raw)
	if err != nil {
		return nil, fmt.Errorf("ical: message header: %w", err)
	}
	return FindCalendarBody(h, body, maxSize)
}

// FindCalendarBody is FindCalendar for a message whose header h was read
// already (ReadHeader); body is the rest of the message.
func FindCalendarBody(h textproto.Header, body []byte, maxSize int64) (cal []byte, err error) {
	defer recoverError("find calendar", &err)
	if maxSize <= 0 {
		maxSize = defaultMaxSize
	}
	f := &finder{maxSize: maxSize}
	if err := f.walk(h, bytes.NewReader(body), 0); err != nil {
		return nil, fmt.Errorf("ical: %w", err)
	}
	return f.choose()
}

// ReadHeader reads the header block of a message (RFC 5322 §2.1) with
// go-message, and returns the rest of the message: what follows the blank
// line that ends the header block.
func ReadHeader(raw []byte) (textproto.Header, []byte, error) {
	rd := bytes.NewReader(raw)
	br := headerReaders.Get().(*bufio.Reader)
	br.Reset(rd)
	h, err := textproto.ReadHeader(br) // copies what it keeps
	body := raw[len(raw)-rd.Len()-br.Buffered():]
	br.Reset(nil)
	headerReaders.Put(br)
	return h, body, err
}

// headerReaders are ReadHeader's buffered readers, of bufio's default
// size.
var headerReaders = sync.Pool{New: func() any { return bufio.NewReader(nil) }}

// choose returns the first inline calendar, else the first one.
func (f *finder) choose() ([]byte, error) {
	if len(f.found) == 0 {
		return nil, ErrNoCalendar
	}
	for _, c := range f.found {
		if c.inline {
			return c.data, nil
		}
	}
	return f.found[0].data, nil
}

// walk visits one entity and, for multiparts, its children.
func (f *finder) walk(h textproto.Header, body io.Reader, depth int) error {
	if f.parts++; f.parts > maxMIMEParts {
		return errors.New("too many MIME parts")
	}
	if depth > maxMIMEDepth {
		return errors.New("MIME parts nested too deep")
	}
	mt, params := contentType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		return f.walkMultipart(params["boundary"], body, depth)
	}
	if !isCalendarPart(mt, params, h) {
		return nil
	}
	data, err := f.decode(h, params, body)
	if err != nil {
		return err
	}
	f.found = append(f.found, calendarPart{data: data, inline: isInline(h)})
	return nil
}

func (f *finder) walkMultipart(boundary string, body io.Reader, depth int) error {
	if boundary == "" {
		return errors.New("multipart without boundary")
	}
	mr := textproto.NewMultipartReader(body, boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF || endWithoutDelimiter(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := f.walk(p.Header, p, depth+1); err != nil {
			return err
		}
	}
}

// endWithoutDelimiter reports the error of a multipart whose closing
// delimiter is missing (RFC 2046 §5.1.1): the data ended after the last
// part. Thunderbird and Python's email package read such mail, and so does
// roomgate. go-message reports it as "multipart: NextPart: EOF", or, when
// the unclosed multipart holds a nested one that was closed, as
// "multipart: NextPart: unexpected EOF" (a text, not a wrapped error).
func endWithoutDelimiter(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(msg, ": EOF") || strings.HasSuffix(msg, ": unexpected EOF")
}

// contentType parses a Content-Type field leniently: senders write things
// like "text/calendar; method=REQUEST;;" that mime.ParseMediaType refuses.
// A missing type means text/plain (RFC 2045 §5.2).
func contentType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	fields := strings.Split(v, ";")
	params = map[string]string{}
	for _, f := range fields[1:] {
		k, val, ok := strings.Cut(f, "=")
		if ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	return strings.ToLower(strings.TrimSpace(fields[0])), params
}

// isCalendarPart reports whether a leaf part holds a calendar: text/calendar,
// application/ics, or an attachment named *.ics typed as octet-stream.
func isCalendarPart(mt string, params map[string]string, h textproto.Header) bool {
	switch mt {
	case "text/calendar", "application/ics", "text/x-vcalendar", "application/x-ics":
		return true
	case "application/octet-stream", "application/x-download", "application/download":
		return strings.HasSuffix(strings.ToLower(fileName(params, h)), ".ics")
	}
	return false
}

func fileName(params map[string]string, h textproto.Header) string {
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		return dp["filename"]
	}
	return params["name"]
}

// isInline reports whether a part is shown in the body rather than attached.
func isInline(h textproto.Header) bool {
	d := strings.ToLower(strings.TrimSpace(h.Get("Content-Disposition")))
	return !strings.HasPrefix(d, "attachment")
}

// decode reads a calendar part, undoes its transfer encoding and converts
// its charset to UTF-8 (RFC 6047 §2.4, RFC 2045 §6).
func (f *finder) decode(h textproto.Header, params map[string]string, body io.Reader) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	// Encoded data is at most 4/3 of the decoded size, plus line breaks.
	raw, err := io.ReadAll(io.LimitReader(body, f.maxSize*2+1024))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) { // the last part of a multipart not closed
		return nil, fmt.Errorf("read calendar part: %w", err)
	}
	data, err := decodeTransfer(enc, raw)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > f.maxSize {
		return nil, fmt.Errorf("calendar part larger than %d octets", f.maxSize)
	}
	return decodeCharset(params["charset"], data, f.maxSize)
}

// decodeTransfer undoes a Content-Transfer-Encoding (RFC 2045 §6).
func decodeTransfer(enc string, raw []byte) ([]byte, error) {
	switch enc {
	case "", "7bit", "8bit", "binary":
		return raw, nil
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, raw)
		out, err := base64.StdEncoding.DecodeString(string(clean))
		if err != nil {
			out, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "="))
		}
		if err != nil {
			return nil, fmt.Errorf("bad base64 in calendar part: %w", err)
		}
		return out, nil
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return nil, fmt.Errorf("bad quoted-printable in calendar part: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown transfer encoding %q", enc)
}

// decodeCharset converts data to UTF-8; an empty charset means UTF-8
// (RFC 5545 §6).
func decodeCharset(cs string, data []byte, maxSize int64) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cs)) {
	case "", "utf-8", "utf8", "us-ascii":
		return data, nil
	}
	r, err := charset.Reader(cs, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("invalid charset %q: %w", cs, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", cs, err)
	}
	if int64(len(out)) > maxSize {
		return nil, fmt.Errorf("calendar part larger than %d octets", maxSize)
	}
	return out, nil
}
