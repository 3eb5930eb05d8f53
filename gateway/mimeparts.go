package gateway

import (
	"bytes"
	"encoding/base64"
	"sync"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// mimeParts writes the parts of a multipart body (RFC 2046 §5.1.1) into b,
// byte for byte as go-message's writer does: each part after a boundary
// line, its header fields in go-message's order, its body encoded, and the
// close delimiter at the end.
type mimeParts struct {
	b        *bytes.Buffer
	boundary string
	n        int // parts written
}

// open writes the boundary line before a part, and its header.
func (m *mimeParts) open(header []byte) {
	if m.n > 0 {
		m.b.WriteString("\r\n")
	}
	m.n++
	m.b.WriteString("--")
	m.b.WriteString(m.boundary)
	m.b.WriteString("\r\n")
	m.b.Write(header)
}

// quotedPrintable writes a part holding text in quoted-printable, its line
// ends made CRLF.
func (m *mimeParts) quotedPrintable(header []byte, text string) {
	m.open(header)
	m.b.Write(appendQuotedPrintable(m.b.AvailableBuffer(), text))
}

// base64 writes a part holding data in base64.
func (m *mimeParts) base64(header []byte, data []byte) {
	m.open(header)
	m.b.Write(appendBase64Lines(m.b.AvailableBuffer(), data))
}

// close writes the close delimiter.
func (m *mimeParts) close() {
	m.b.WriteString("\r\n--")
	m.b.WriteString(m.boundary)
	m.b.WriteString("--\r\n")
}

// The headers of the parts compose writes, as go-message writes them.
var (
	textPlainPart = partHeader("text/plain; charset=UTF-8", "quoted-printable")
	textHTMLPart  = partHeader("text/html; charset=UTF-8", "quoted-printable")
	calendarParts sync.Map // method -> []byte
)

// calendarPart is the header of a text/calendar part of an iTIP method.
func calendarPart(method string) []byte {
	if h, ok := calendarParts.Load(method); ok {
		return h.([]byte)
	}
	h := partHeader("text/calendar; method="+method+"; charset=UTF-8", "base64")
	calendarParts.Store(method, h)
	return h
}

// partHeader is the header of a part of type ctype in encoding enc, with
// the blank line that ends it, written by go-message as writePart has it
// write.
func partHeader(ctype, enc string) []byte {
	var ph message.Header
	ph.Set("Content-Type", ctype)
	ph.Set("Content-Transfer-Encoding", enc)
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, ph.Header); err != nil {
		panic("part header: " + err.Error()) // fixed field names, never fails
	}
	return b.Bytes()
}

// base64Line is the input of one 76-character line of base64 (RFC 2045
// §6.8).
const base64Line = 57

// appendBase64Lines appends data in base64, lines of 76 characters
// separated by CRLF, none after the last: what go-message's base64 writer
// gives.
func appendBase64Lines(dst, data []byte) []byte {
	for off := 0; off < len(data); off += base64Line {
		if off > 0 {
			dst = append(dst, '\r', '\n')
		}
		dst = base64.StdEncoding.AppendEncode(dst, data[off:min(off+base64Line, len(data))])
	}
	return dst
}

// qpLineMax is the longest line of quoted-printable, its soft line break
// included (RFC 2045 §6.7, rule 5).
const qpLineMax = 76

// appendQuotedPrintable appends text in quoted-printable with CRLF line
// ends: what mime/quotedprintable's Writer writes of crlf(text)
// (TestQuotedPrintableAsWriter), that writer's state machine run on the
// bytes without copying the text twice first and without a call through
// io.Writer for every line. Like that writer, it encodes a space or a tab
// before a line break and breaks lines at 76 characters.
func appendQuotedPrintable(dst []byte, text string) []byte {
	q := qpEncoder{out: dst, start: len(dst)}
	for i := 0; i < len(text); {
		if n := plainRun(text[i:]); n > 0 {
			q.writePlain(text[i : i+n])
			i += n
			continue
		}
		c := text[i]
		if c == '\n' && (i == 0 || text[i-1] != '\r') {
			q.add('\r') // crlf: a LF alone gets its CR
		}
		q.add(c)
		i++
	}
	q.checkLastByte()
	return q.out
}

// plainRun is the length of the run of bytes at the start of s that the
// writer's write takes one by one alike: printable ASCII but "=", spaces
// and tabs (a space or a tab is looked at only before a line break).
func plainRun(s string) int {
	for i := 0; i < len(s); i++ {
		if !qpPlain[s[i]] {
			return i
		}
	}
	return len(s)
}

// qpPlain are the bytes of plainRun's runs.
var qpPlain = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

// writePlain is write of each byte of a plain run, a line's worth at a
// time.
func (q *qpEncoder) writePlain(run string) {
	for len(run) > 0 {
		if len(q.out)-q.start == qpLineMax-1 {
			q.insertSoftLineBreak()
		}
		n := min(len(run), qpLineMax-1-(len(q.out)-q.start))
		q.out = append(q.out, run[:n]...)
		run = run[n:]
	}
	q.cr = false
}

// qpEncoder is mime/quotedprintable.Writer's state, writing its lines
// straight to out: start is where the current line begins. Its methods
// follow that writer's (Go's standard library, Copyright The Go Authors,
// BSD-style license), whose output they must keep
// (TestQuotedPrintableAsWriter).
type qpEncoder struct {
	out   []byte
	start int
	cr    bool // the last line break was a CR
}

// add is the writer's Write of one byte: plain bytes and line breaks go
// through write, others are encoded (which, as in the writer, leaves cr
// as it was).
func (q *qpEncoder) add(c byte) {
	if c >= '!' && c <= '~' && c != '=' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
		q.write(c)
		return
	}
	q.encode(c)
}

// write is the writer's write of one byte.
func (q *qpEncoder) write(c byte) {
	if c == '\n' || c == '\r' {
		if q.cr && c == '\n' {
			q.cr = false
			return
		}
		if c == '\r' {
			q.cr = true
		}
		q.checkLastByte()
		q.insertCRLF()
		return
	}
	if len(q.out)-q.start == qpLineMax-1 {
		q.insertSoftLineBreak()
	}
	q.out = append(q.out, c)
	q.cr = false
}

const upperHex = "0123456789ABCDEF"

func (q *qpEncoder) encode(c byte) {
	if qpLineMax-1-(len(q.out)-q.start) < 3 {
		q.insertSoftLineBreak()
	}
	q.out = append(q.out, '=', upperHex[c>>4], upperHex[c&0x0f])
}

// checkLastByte encodes the line's last byte when it is a space or a tab.
func (q *qpEncoder) checkLastByte() {
	if len(q.out) == q.start {
		return
	}
	if c := q.out[len(q.out)-1]; c == ' ' || c == '\t' {
		q.out = q.out[:len(q.out)-1]
		q.encode(c)
	}
}

func (q *qpEncoder) insertSoftLineBreak() {
	q.out = append(q.out, '=')
	q.insertCRLF()
}

func (q *qpEncoder) insertCRLF() {
	q.out = append(q.out, '\r', '\n')
	q.start = len(q.out)
}
