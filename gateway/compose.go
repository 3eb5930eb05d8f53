package gateway

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Address is a display name and a mailbox.
type Address struct{ Name, Addr string }

// String formats the address for a header field, encoding the name when
// it is not plain ASCII.
func (a Address) String() string {
	return (&gomail.Address{Name: displayName(a.Name), Address: a.Addr}).String()
}

// displayName makes a display name safe to format: a header text without
// backslashes or double quotes, which net/mail's encoder would copy
// unescaped into an encoded word that no parser then reads.
func displayName(s string) string { return displayNameQuotes.Replace(headerText(s)) }

// displayNameQuotes replaces what displayName removes.
var displayNameQuotes = strings.NewReplacer(`\`, "/", `"`, "'")

// composeInput is everything a mail roomgate sends is made of.
type composeInput struct {
	From, To Address
	Text     Rendered
	Calendar []byte // iTIP REPLY, or nil for a plain mail
	// Method is the iTIP method of Calendar: REPLY when "".
	Method string
	// InReplyTo and References thread a reply with the invitation: msg-ids
	// checked by readEnvelope, or "" and nil.
	InReplyTo  string
	References []string
	Date       time.Time
	// AutoSubmitted is "auto-replied" for an answer to a message,
	// "auto-generated" for a notice (RFC 3834 §5).
	AutoSubmitted string
	// MessageID is the mail's Message-ID without angle brackets
	// (newMessageID); a new one when "".
	MessageID string
}

// composeReply builds the reply mail as iMIP wants it (RFC 6047 §2.4):
// multipart/alternative with text/plain, text/html when the template has
// one, then text/calendar with method=REPLY. It is marked as an automatic
// reply (RFC 3834 §5) and threads with the invitation.
func composeReply(in composeInput) []byte {
	in.AutoSubmitted = "auto-replied"
	return compose(in)
}

// composeNotice builds an automatic mail that answers no message: text and,
// when the template has one, HTML, marked auto-generated (RFC 3834 §5) so
// that no auto-responder answers it.
func composeNotice(from, to Address, text Rendered, date time.Time) []byte {
	return compose(composeInput{From: from, To: to, Text: text, Date: date, AutoSubmitted: "auto-generated"})
}

// compose writes a mail: its header with go-message, which folds every
// header line under 998 octets (RFC 5322 §2.1.1) and encodes what is not
// ASCII (RFC 2047), then its parts (see mimeParts). Every value comes from
// the configuration, from a template, or from input checked before
// (addresses, msg-ids); texts lose their control characters on the way.
func compose(in composeInput) []byte {
	boundary := newBoundary()
	return composeBody(composeHeader(in, "multipart/alternative", boundary), boundary, in)
}

// composeBody writes the mail of compose with header h, whose
// multipart/alternative type names boundary: what go-message's
// message.CreateWriter and one CreatePart per part write
// (TestComposeBodyAsGoMessage), without its copies of the header and its
// writers chained for every part.
func composeBody(h gomail.Header, boundary string, in composeInput) []byte {
	var b bytes.Buffer
	b.Grow(composedSize(in))
	// As message.CreateWriter does: MIME-Version last, so written first.
	h.Set("MIME-Version", "1.0")
	if err := textproto.WriteHeader(&b, h.Header.Header); err != nil {
		panic(fmt.Sprintf("compose: %v", err)) // only a field name with a colon fails, and there is none
	}
	mp := mimeParts{b: &b, boundary: boundary}
	mp.quotedPrintable(textPlainPart, in.Text.Text)
	if in.Text.HTML != "" {
		mp.quotedPrintable(textHTMLPart, in.Text.HTML)
	}
	if in.Calendar != nil {
		method := in.Method
		if method == "" {
			method = "REPLY"
		}
		// method first, as Outlook's own replies write it.
		mp.base64(calendarPart(method), in.Calendar)
	}
	mp.close()
	return b.Bytes()
}

// composedSize is about the size of compose's mail, a little more, so
// that its buffer is allocated once: quoted-printable texts (a French or
// HTML text grows by about a fifth), the base64 calendar (4/3 and line
// breaks), headers and part boundaries.
func composedSize(in composeInput) int {
	return 2048 + (len(in.Text.Text)+len(in.Text.HTML))*5/4 + len(in.Calendar)*7/5
}

// composeHeader is the header of a composed mail, of a multipart type.
func composeHeader(in composeInput, multipart, boundary string) gomail.Header {
	var h gomail.Header
	h.SetAddressList("From", []*gomail.Address{{Name: displayName(in.From.Name), Address: in.From.Addr}})
	h.SetAddressList("To", []*gomail.Address{{Name: displayName(in.To.Name), Address: in.To.Addr}})
	h.SetSubject(headerText(in.Text.Subject))
	h.SetDate(in.Date)
	id := in.MessageID
	if id == "" {
		id = newMessageID(in.From.Addr)
	}
	h.SetMessageID(id)
	if in.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{bare(in.InReplyTo)})
		refs := make([]string, 0, len(in.References)+1)
		for _, r := range in.References {
			if r != in.InReplyTo {
				refs = append(refs, bare(r))
			}
		}
		h.SetMsgIDList("References", append(refs, bare(in.InReplyTo)))
	}
	h.Set("Auto-Submitted", in.AutoSubmitted)
	h.Set("X-Auto-Response-Suppress", "All")
	if in.AutoSubmitted == "auto-generated" {
		h.Set("Precedence", "bulk")
	}
	h.SetContentType(multipart, map[string]string{"boundary": boundary})
	return h
}

// writePart writes one part of a multipart mail; go-message applies the
// transfer encoding.
func writePart(w *message.Writer, ctype, enc string, body []byte) {
	var ph message.Header
	ph.Set("Content-Type", ctype)
	ph.Set("Content-Transfer-Encoding", enc)
	pw, err := w.CreatePart(ph)
	if err != nil {
		panic(fmt.Sprintf("compose part: %v", err))
	}
	pw.Write(body)
	pw.Close()
}

// headerText makes a text fit for a header field: white space for line
// breaks and other control characters, trimmed.
func headerText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD")))
}

// bare drops the angle brackets of a msg-id.
func bare(id string) string { return strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">") }

// crlf gives a text CRLF line ends.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// newMessageID returns a unique message identifier (without angle
// brackets) in the domain of addr.
func newMessageID(addr string) string {
	domain := "roomgate.invalid"
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		domain = addr[at+1:]
	}
	return fmt.Sprintf("%d.%s@%s", time.Now().UnixNano(), randomHex(6), domain)
}

// newBoundary returns a random multipart boundary (RFC 2046 §5.1.1).
func newBoundary() string { return "roomgate-" + randomHex(12) }

// messageIDField is the Message-ID field that compose writes for id, as
// the outbox reads it back from the mail (OutboxMail.MessageID): "" for an
// id that a header line would fold (hundreds of characters, or with white
// space), which leaves the reading to the outbox.
func messageIDField(id string) string {
	if len(id) > 900 || strings.ContainsAny(id, " \t\r\n") {
		return ""
	}
	return "<" + id + ">"
}

func randomHex(n int) string {
	buf := make([]byte, n)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}

// composeWithFile writes a mail as compose does, with a file attached:
// multipart/mixed holding the multipart/alternative text and HTML, then
// the file (RFC 2183 Content-Disposition: attachment).
func composeWithFile(in composeInput, name, ctype string, data []byte) []byte {
	h := composeHeader(in, "multipart/mixed", newBoundary())
	var b bytes.Buffer
	w, err := message.CreateWriter(&b, h.Header)
	if err != nil {
		panic(fmt.Sprintf("compose: %v", err))
	}
	var ah message.Header
	ah.SetContentType("multipart/alternative", map[string]string{"boundary": newBoundary()})
	alt, err := w.CreatePart(ah)
	if err != nil {
		panic(fmt.Sprintf("compose part: %v", err))
	}
	writePart(alt, "text/plain; charset=UTF-8", "quoted-printable", []byte(crlf(in.Text.Text)))
	if in.Text.HTML != "" {
		writePart(alt, "text/html; charset=UTF-8", "quoted-printable", []byte(crlf(in.Text.HTML)))
	}
	alt.Close()
	var fh message.Header
	fh.Set("Content-Type", ctype)
	fh.Set("Content-Transfer-Encoding", "base64")
	fh.SetContentDisposition("attachment", map[string]string{"filename": name})
	fw, err := w.CreatePart(fh)
	if err != nil {
		panic(fmt.Sprintf("compose part: %v", err))
	}
	fw.Write(data)
	fw.Close()
	w.Close()
	return b.Bytes()
}
