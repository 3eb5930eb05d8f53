package gateway

import (
	"bufio"
	"bytes"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// zoomMail is what analyze learned of a mail from the Zoom account's own
// senders: its kind, whether it is authentic, and what it carries.
type zoomMail struct {
	kind      Kind // KindZoomCode, KindZoomAlert or KindZoomRecording
	authentic bool
	why       string // how it was authenticated, or why it was not
	code      string // the sign-in code, KindZoomCode only
	// received is when the operator's server received it (top Received
	// field), else its Date; zero when neither is readable.
	received time.Time
	subject  string
	text     string // its plain text (or the text of its HTML), bounded
	rec      *recordingNotice
}

// maxExcerpt bounds the text of Zoom's mail copied into relayed mail.
const maxExcerpt = 8 << 10

// analyzeZoom classifies a mail without calendar that comes from a Zoom
// sender (or claims to, from the same domain). Other mail is left as
// KindMail. It verifies authenticity here, before any transaction, since
// direct DKIM verification may query the DNS.
func (g *Gateway) analyzeZoom(raw []byte, a *analysis) {
	if !g.opt.relayEnabled() || !g.zoomCandidate(a.env.From) {
		return
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return
	}
	text, html := bodyTexts(raw)
	plain := text
	if strings.TrimSpace(plain) == "" {
		plain = htmlText(html)
	}
	z := &zoomMail{subject: a.env.Subject, text: clip(plain, maxExcerpt), received: receivedAt(h)}
	switch {
	case recordingSubject(a.env.Subject) != "":
		z.kind, z.rec = KindZoomRecording, parseRecording(a.env.Subject, plain, g.opt.Location)
	default:
		z.code = findCode(a.env.Subject, text, html)
		z.kind = KindZoomCode
		if z.code == "" {
			if !signInSubject(a.env.Subject) {
				return // another Zoom notice: filed in the other folder
			}
			z.kind = KindZoomAlert
		}
	}
	z.authentic, z.why = g.authenticate(h, raw, a.env.From)
	a.kind, a.zoom = z.kind, z
}

// zoomCandidate reports whether a From address is one of the Zoom senders
// or shares the organizational domain of one (then it may be forged).
func (g *Gateway) zoomCandidate(from string) bool {
	if g.isZoomSender(from) {
		return true
	}
	d := orgDomain(domainOf(from))
	for _, s := range g.opt.Relay.ZoomSenders {
		if d != "" && orgDomain(domainOf(s)) == d {
			return true
		}
	}
	return false
}

func (g *Gateway) isZoomSender(from string) bool {
	return slices.ContainsFunc(g.opt.Relay.ZoomSenders, func(s string) bool {
		return strings.EqualFold(strings.TrimSpace(s), from)
	})
}

// signInWords mark the subject of a sign-in notice without a code, in the
// languages Zoom writes to this account.
var signInWords = []string{"sign-in", "sign in", "signing in", "signed in", "verification", "password",
	"connexion", "vérification", "mot de passe", "anmeldung", "inicio de sesión", "security", "sécurité"}

func signInSubject(subject string) bool {
	s := strings.ToLower(subject)
	return slices.ContainsFunc(signInWords, func(w string) bool { return strings.Contains(s, w) })
}

// receivedAt returns when the operator's server received the message: the
// date of the top Received field (RFC 5321 §4.4, added last, by that
// server), else the Date field; zero when neither parses.
func receivedAt(h textproto.Header) time.Time {
	if r := h.Get("Received"); r != "" {
		if i := strings.LastIndexByte(r, ';'); i >= 0 {
			if t, err := mail.ParseDate(strings.TrimSpace(r[i+1:])); err == nil {
				return t
			}
		}
	}
	if t, err := mail.ParseDate(h.Get("Date")); err == nil {
		return t
	}
	return time.Time{}
}

// issuedAt is when a code was sent, as far as we can tell: the reception
// time, but never in the future and, when unknown, now.
func issuedAt(received, now time.Time) time.Time {
	if received.IsZero() || received.After(now) {
		return now
	}
	return received
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(strings.TrimSpace(addr[at+1:]))
	}
	return ""
}

// recordingPatterns are the subjects of Zoom's recording notices; the first
// group is the meeting topic.
var recordingPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^\s*Cloud Recording\s*-\s*(.+?)\s+is now available\s*$`),
	regexp.MustCompile(`(?i)^\s*Meeting assets for\s+(.+?)\s+are ready!?\s*$`),
}

// recordingSubject returns the topic named by a recording notice's
// subject, or "".
func recordingSubject(subject string) string {
	for _, re := range recordingPatterns {
		if m := re.FindStringSubmatch(subject); m != nil {
			return m[1]
		}
	}
	return ""
}

// clip cuts s to at most n octets on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
