package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/zoommail"
)

// The relay's world: the operator's receiving server and facilitators.
const (
	mx       = "mx.coop.example"
	tech     = "tech@coop.example"
	anim     = "anim@coop.example"
	zoomFrom = "no-reply@zoom.us"
)

// relayOptions turns the relay on, trusting mx's Authentication-Results.
func relayOptions(o *gateway.Options) {
	o.Notices = zoommail.New(zoommail.Options{Senders: []string{zoomFrom}, Webhook: true})
	o.Auth = gateway.AuthOptions{AuthservID: mx}
	o.Relay = gateway.RelayOptions{Facilitators: []string{tech, anim},
		RecordingsAccess: "recordings@coop.example, password from the facilitators",
		ReminderBefore:   15 * time.Minute, RecordingReminderAfter: time.Hour}
}

// zoomMail describes a mail shaped like Zoom's.
type zoomMail struct {
	From     string // zoomFrom when ""
	Subject  string
	Text     string // text/plain part; none when ""
	HTML     string // text/html part; none when ""
	Received time.Time
	// AuthResults are Authentication-Results values, top first.
	AuthResults []string
}

// passAR is the Authentication-Results the operator's server writes for
// a genuine Zoom mail, comment included as OpenDKIM writes it.
const passAR = mx + "; dkim=pass (2048-bit key; unprotected) header.d=zoom.us header.i=@zoom.us header.s=sg header.b=AbCdEf; spf=pass smtp.mailfrom=bounces@bounce-sg.zoom.us"

// codeText and codeHTML are a sign-in code mail as Zoom writes it, with
// the footer's phone number and ZIP code, and CSS full of numbers.
func codeText(code string) string {
	return "Hi,\r\n\r\nWe detected an unusual sign-in from a device or location you don't usually use.\r\n" +
		"If this was you, enter the code below to sign in to Zoom.\r\n\r\n" + code + "\r\n\r\n" +
		"The code will expire in 10 minutes.\r\n\r\nThanks!\r\nThe Zoom Team\r\n\r\n" +
		"+1.888.799.9666\r\n©2026 Zoom Video Communications, Inc.\r\n55 Almaden Blvd, San Jose, CA 95113\r\n"
}

func codeHTML(code string) string {
	return `<html><head><title>Zoom</title><style>td{color:#123456;width:600px;padding:100200px}` +
		"\r\n.c{font-size:32px}</style></head>\r\n<body><table width=\"600\" bgcolor=\"#f7f7fa\">" +
		"\r\n<tr><td>We detected an unusual sign-in. Enter the code below to sign in to Zoom.</td></tr>" +
		"\r\n<tr><td class=\"c\" style=\"letter-spacing:8px;color:#232333\">" + code + "</td></tr>" +
		"\r\n<tr><td>The code will expire in 10 minutes.</td></tr>" +
		"\r\n<tr><td>+1.888.799.9666<br>&copy;2026 Zoom Video Communications, Inc.<br>55 Almaden Blvd, San Jose, CA&nbsp;95113</td></tr>" +
		"\r\n<tr><td>Dec 1, 2026</td></tr></table></body></html>\r\n"
}

// bytes writes the mail, CRLF line ends.
func (z zoomMail) bytes() []byte {
	from := z.From
	if from == "" {
		from = zoomFrom
	}
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	if !z.Received.IsZero() {
		w("Received: from o1.email.zoom.us (o1.email.zoom.us [192.0.2.7])\r\n\tby " + mx + " (Postfix) with ESMTPS id 4XyZ;\r\n\t" +
			z.Received.Format(time.RFC1123Z))
	}
	for _, ar := range z.AuthResults {
		w("Authentication-Results: " + ar)
	}
	w("From: Zoom <" + from + ">")
	w("To: zoom@coop.example")
	w("Subject: " + z.Subject)
	w("Date: " + z.Received.Add(-2*time.Second).Format(time.RFC1123Z))
	w("Message-ID: <" + randomID() + "@zoom.us>")
	w("MIME-Version: 1.0")
	w(`Content-Type: multipart/alternative; boundary="zb"`)
	w("")
	if z.Text != "" {
		w("--zb\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n")
		b.WriteString(z.Text)
	}
	if z.HTML != "" {
		w("--zb\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n")
		b.WriteString(wrap76(base64.StdEncoding.EncodeToString([]byte(z.HTML))))
	}
	w("--zb--")
	return []byte(b.String())
}

func randomID() string {
	buf := make([]byte, 8)
	rand.Read(buf)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// codeMail is a genuine code mail received at `at`.
func codeMail(code string, at time.Time) zoomMail {
	return zoomMail{Subject: "Code for signing in to Zoom", Text: codeText(code), HTML: codeHTML(code),
		Received: at, AuthResults: []string{passAR}}
}

// dkimKey is a DKIM key of zoom.us, selector sg, made for the tests.
type dkimKey struct {
	priv ed25519.PrivateKey
	txt  string
}

func newDKIMKey(t *testing.T) dkimKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return dkimKey{priv: priv, txt: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
}

// sign signs raw as zoom.us would (RFC 6376 §5).
func (k dkimKey) sign(t *testing.T, raw []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: "zoom.us", Selector: "sg", Signer: k.priv,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID", "Content-Type", "MIME-Version"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// LookupTXT is the DNS of the tests: the key at sg._domainkey.zoom.us only.
func (k dkimKey) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if name == "sg._domainkey.zoom.us" {
		return []string{k.txt}, nil
	}
	return nil, &dnsError{name}
}

type dnsError struct{ name string }

func (e *dnsError) Error() string { return "no TXT record for " + e.name }

// relayed is a queued row, decoded: its recipient, subject and text, or
// for a webhook row the chat text.
type relayed struct {
	To, Subject, Text, HTML string
	Chat                    string
}

func decodeRelayed(t *testing.T, m gateway.OutboxMail) relayed {
	t.Helper()
	if m.Channel == gateway.ChannelWebhook {
		var msg struct{ Text string }
		if err := json.Unmarshal(m.Raw, &msg); err != nil {
			t.Fatalf("webhook body %q: %v", m.Raw, err)
		}
		return relayed{Chat: msg.Text}
	}
	r := decodeNotice(t, m.Raw)
	r.To = strings.Join(m.To, ",")
	return r
}

// queuedRelays decodes the rows queued since n.
func (h *harness) queuedRelays(n int) []relayed {
	h.t.Helper()
	var out []relayed
	for _, m := range h.queuedSince(n) {
		out = append(out, decodeRelayed(h.t, m))
	}
	return out
}

// handleNow decides a message and returns its outcome and the rows it queued.
func (h *harness) handleNow(raw []byte) (gateway.Outcome, []relayed) {
	h.t.Helper()
	n := len(h.st.outbox())
	out, err := h.g.Handle(context.Background(), gateway.Incoming{Ref: "INBOX/1/9", Raw: raw, Size: int64(len(raw))})
	if err != nil {
		h.t.Fatalf("Handle: %v", err)
	}
	return out, h.queuedRelays(n)
}

// decodeNotice takes an automatic mail apart: subject, text and HTML.
func decodeNotice(t *testing.T, raw []byte) relayed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read mail: %v", err)
	}
	if got := m.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q, want auto-generated", got)
	}
	return decodeNoticeParts(t, raw)
}

// decodeNoticeParts is decodeNotice without the check of Auto-Submitted.
func decodeNoticeParts(t *testing.T, raw []byte) relayed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read mail: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	r := relayed{Subject: subject}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return r
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		body, _ := io.ReadAll(p)
		text := plain(strings.ReplaceAll(string(body), "\r\n", "\n"))
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			r.HTML = text
		} else {
			r.Text = text
		}
	}
}
