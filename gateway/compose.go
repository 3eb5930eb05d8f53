package gateway

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// mailAddr is a display name and an address.
type mailAddr struct{ Name, Addr string }

func (a mailAddr) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Addr}).String()
}

// composeInput is everything a reply mail is made of.
type composeInput struct {
	From, To   mailAddr
	Text       Rendered
	Calendar   []byte // iTIP REPLY, or nil for a plain mail
	InReplyTo  string
	References string
	Date       time.Time
}

// composeReply builds the reply mail as iMIP wants it (RFC 6047 §2.4):
// multipart/alternative with text/plain, text/html when the template has
// one, then text/calendar with method=REPLY. It is marked as an automatic
// reply (RFC 3834 §5) and threads with the invitation.
func composeReply(in composeInput) []byte {
	var b bytes.Buffer
	boundary := "roomgate-" + randomHex(12)
	header(&b, "From", in.From.String())
	header(&b, "To", in.To.String())
	header(&b, "Subject", mime.QEncoding.Encode("utf-8", in.Text.Subject))
	header(&b, "Date", in.Date.Format(time.RFC1123Z))
	header(&b, "Message-ID", newMessageID(in.From.Addr))
	if in.InReplyTo != "" {
		header(&b, "In-Reply-To", in.InReplyTo)
		header(&b, "References", strings.TrimSpace(in.References+" "+in.InReplyTo))
	}
	header(&b, "Auto-Submitted", "auto-replied")
	header(&b, "X-Auto-Response-Suppress", "All")
	header(&b, "MIME-Version", "1.0")
	header(&b, "Content-Type", fmt.Sprintf("multipart/alternative; boundary=%q", boundary))
	b.WriteString("\r\n")
	part(&b, boundary, "text/plain; charset=UTF-8", quotedPrintable(in.Text.Text))
	if in.Text.HTML != "" {
		part(&b, boundary, "text/html; charset=UTF-8", quotedPrintable(in.Text.HTML))
	}
	if in.Calendar != nil {
		partB64(&b, boundary, "text/calendar; method=REPLY; charset=UTF-8", in.Calendar)
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

func header(b *bytes.Buffer, k, v string) {
	b.WriteString(k + ": " + v + "\r\n")
}

func part(b *bytes.Buffer, boundary, ctype, body string) {
	fmt.Fprintf(b, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", boundary, ctype, body)
}

func partB64(b *bytes.Buffer, boundary, ctype string, data []byte) {
	fmt.Fprintf(b, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary, ctype)
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// quotedPrintable encodes a text with CRLF line ends.
func quotedPrintable(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// newMessageID returns a unique Message-ID in the domain of addr.
func newMessageID(addr string) string {
	domain := "roomgate.invalid"
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		domain = addr[at+1:]
	}
	return fmt.Sprintf("<%d.%s@%s>", time.Now().UnixNano(), randomHex(6), domain)
}

func randomHex(n int) string {
	buf := make([]byte, n)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}
