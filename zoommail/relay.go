// Package zoommail handles the Zoom account's own mail that lands in the room's
// mailbox: sign-in codes (e-mail 2FA), sign-in alerts and recording
// notices. It reads and authenticates them and relays them: codes and
// alerts to the facilitators (and a chat webhook), recording notices to
// the organizer of the booking they belong to.
//
// Like gateway, it does no I/O: Relay implements gateway.NoticeHandler and
// decides through the gateway.Desk it is given, inside the gateway's
// transaction. DKIM keys are looked up by the gateway's injected resolver,
// within a deadline, before the transaction.
package zoommail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailauth"
)

// Options configures a Relay.
type Options struct {
	// Senders are the From addresses Zoom's mail comes from, e.g.
	// "no-reply@zoom.us". A mail from another address of the same
	// organizational domain is treated as Zoom mail that failed
	// authentication.
	Senders []string
	// CodeValidity is how long a sign-in code is valid (10 minutes when 0).
	CodeValidity time.Duration
	// Webhook is set when a chat webhook is configured: codes still valid
	// are also queued for it, in WebhookChannel ("" for its own).
	Webhook        bool
	WebhookChannel string
}

// Relay handles Zoom's mail. It implements gateway.NoticeHandler.
type Relay struct {
	opt Options
}

// New returns a Relay. Senders are compared in lower case.
func New(opt Options) *Relay {
	s := make([]string, 0, len(opt.Senders))
	for _, a := range opt.Senders {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			s = append(s, a)
		}
	}
	opt.Senders = s
	if opt.CodeValidity <= 0 {
		opt.CodeValidity = 10 * time.Minute
	}
	return &Relay{opt: opt}
}

var _ gateway.NoticeHandler = (*Relay)(nil)

// notice is what Analyze learned of a mail from the Zoom account's own
// senders: its kind, whether it is authentic, and what it carries.
type notice struct {
	r         *Relay
	kind      gateway.Kind // KindZoomCode, KindZoomAlert or KindZoomRecording
	key       string
	authentic bool
	why       string // how it was authenticated, or why it was not
	code      string // the sign-in code, KindZoomCode only
	from      string
	// received is when the operator's server received it (top Received
	// field), else its Date; zero when neither is readable.
	received time.Time
	subject  string
	text     string // its plain text (or the text of its HTML), bounded
	plain    string // a recording notice's whole text, read when deciding
}

func (n *notice) Kind() gateway.Kind { return n.kind }
func (n *notice) Key() string        { return n.key }

// maxExcerpt bounds the text of Zoom's mail copied into relayed mail.
const maxExcerpt = 8 << 10

// Analyze classifies a mail without calendar that comes from a Zoom
// sender (or claims to, from the same organizational domain); it returns
// nil for other mail. It authenticates the mail here, before any
// transaction, since direct DKIM verification may query the DNS.
func (r *Relay) Analyze(ctx context.Context, m *gateway.Mail) gateway.Notice {
	if len(r.opt.Senders) == 0 || !r.candidate(m.From, m.Header) {
		return nil
	}
	text, html := bodyTexts(m.Raw)
	plain := text
	if strings.TrimSpace(plain) == "" {
		plain = htmlText(html)
	}
	n := &notice{r: r, subject: m.Subject, text: clip(plain, maxExcerpt), received: receivedAt(m.Header), from: m.From}
	switch {
	case recordingSubject(m.Subject) != "":
		n.kind, n.plain = gateway.KindZoomRecording, plain
	default:
		n.code = findCode(m.Subject, text, html)
		n.kind = gateway.KindZoomCode
		if n.code == "" {
			if !signInSubject(m.Subject) {
				return nil // another Zoom notice: filed in the other folder
			}
			n.kind = gateway.KindZoomAlert
		}
	}
	n.authentic, n.why = r.authenticate(m)
	if n.authentic {
		n.key = identity(m, n)
	}
	return n
}

// candidate reports whether a From address is one of the Zoom senders or
// shares the organizational domain of one (then it may be forged). A From
// that is not one plain address is judged by what it claims.
func (r *Relay) candidate(from string, h textproto.Header) bool {
	if from == "" {
		from = claimedFrom(h)
	}
	if r.isSender(from) {
		return true
	}
	d := mailauth.OrgDomain(domainOf(from))
	return d != "" && slices.ContainsFunc(r.opt.Senders, func(s string) bool { return mailauth.OrgDomain(domainOf(s)) == d })
}

// claimedFrom is the first address a From field names, read leniently,
// for mail whose From is not one plain mailbox.
func claimedFrom(h textproto.Header) string {
	list, err := mail.ParseAddressList(h.Get("From"))
	if err != nil || len(list) == 0 {
		return ""
	}
	return strings.ToLower(list[0].Address)
}

func (r *Relay) isSender(from string) bool {
	return from != "" && slices.Contains(r.opt.Senders, strings.ToLower(from))
}

// authenticate decides whether a Zoom mail is genuine: its From must be one
// of the configured Zoom senders, and its domain authenticated (DMARC pass
// or an aligned DKIM pass, see gateway.AuthOptions).
func (r *Relay) authenticate(m *gateway.Mail) (bool, string) {
	if !r.isSender(m.From) {
		who := m.From
		if who == "" {
			who = claimedFrom(m.Header)
		}
		return false, "sender " + who + " is not a configured Zoom sender"
	}
	a := m.Authenticate()
	return a.Pass, a.Why
}

// identity is the key of an authentic Zoom mail: what identifies it across
// re-deliveries (one more Received field changes its bytes, not this): its
// Message-ID with the DKIM signature that authenticated it, or its code
// and Date when no signature was verified here.
func identity(m *gateway.Mail, n *notice) string {
	parts := []string{"zoom", strings.ToLower(m.From), m.MessageID}
	if sig := m.Authenticate().Signature; sig != "" {
		parts = append(parts, "sig", sig)
	} else {
		parts = append(parts, "code", n.code, m.Header.Get("Date"), m.Subject)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "zoom:" + hex.EncodeToString(sum[:])
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
