package gateway

import (
	"bytes"
	"fmt"
	"mime"
	"time"
)

// composeNotice builds an automatic mail that answers no message: text and,
// when the template has one, HTML, marked auto-generated (RFC 3834 §5) so
// that no auto-responder answers it.
func composeNotice(from, to mailAddr, text Rendered, date time.Time) []byte {
	var b bytes.Buffer
	boundary := "roomgate-" + randomHex(12)
	header(&b, "From", from.String())
	header(&b, "To", to.String())
	header(&b, "Subject", mime.QEncoding.Encode("utf-8", text.Subject))
	header(&b, "Date", date.Format(time.RFC1123Z))
	header(&b, "Message-ID", newMessageID(from.Addr))
	header(&b, "Auto-Submitted", "auto-generated")
	header(&b, "X-Auto-Response-Suppress", "All")
	header(&b, "Precedence", "bulk")
	header(&b, "MIME-Version", "1.0")
	header(&b, "Content-Type", fmt.Sprintf("multipart/alternative; boundary=%q", boundary))
	b.WriteString("\r\n")
	part(&b, boundary, "text/plain; charset=UTF-8", quotedPrintable(text.Text))
	if text.HTML != "" {
		part(&b, boundary, "text/html; charset=UTF-8", quotedPrintable(text.HTML))
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}
