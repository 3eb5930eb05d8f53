package gateway

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/ical"
)

// envelope is what roomgate reads from a message's header.
type envelope struct {
	MessageID     string // with angle brackets, "" when absent
	References    string
	Subject       string
	From          string // address only, lower case
	AutoSubmitted string // lower case, "" when absent
}

// analysis is the meaning of a message before any decision: its kind and,
// for calendar mail, the parsed calendar. A non-nil rejection means the
// message is bad input and goes to the rejected folder.
type analysis struct {
	key       string
	env       envelope
	kind      Kind
	cal       *ical.Calendar
	calData   []byte // the calendar part, decoded
	rejection error
	// zoom is set for the Zoom account's own mail (KindZoom*).
	zoom *zoomMail
}

// messageKey is the hex SHA-256 of the raw bytes: the identity under which
// a message is recorded as processed.
func messageKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// analyze classifies one message. It does no I/O and never panics: a
// panic in a parser is turned into a rejection.
func (g *Gateway) analyze(in Incoming) (a analysis) {
	a = analysis{key: messageKey(in.Raw), kind: KindMail}
	defer func() {
		if r := recover(); r != nil {
			a.rejection = fmt.Errorf("message could not be parsed (internal parser failure: %v)", r)
		}
	}()
	if in.Truncated || int64(len(in.Raw)) > g.opt.MaxMessageSize || in.Size > g.opt.MaxMessageSize {
		a.rejection = fmt.Errorf("message too large: %d octets, the limit is %d", max(in.Size, int64(len(in.Raw))), g.opt.MaxMessageSize)
		a.env, _ = readEnvelope(in.Raw)
		return a
	}
	env, err := readEnvelope(in.Raw)
	a.env = env
	if err != nil {
		a.rejection = fmt.Errorf("unreadable message header: %w", err)
		return a
	}
	data, err := ical.FindCalendar(in.Raw, g.opt.MaxCalendarSize)
	if errors.Is(err, ical.ErrNoCalendar) {
		g.analyzeZoom(in.Raw, &a)
		return a
	}
	if err != nil {
		a.kind = KindOtherCalendar
		a.rejection = fmt.Errorf("calendar part unreadable: %w", err)
		return a
	}
	cal, err := ical.Parse(data, ical.ParseOptions{Location: g.opt.Location})
	if err != nil {
		a.kind = KindOtherCalendar
		a.rejection = fmt.Errorf("invalid calendar: %w", err)
		return a
	}
	a.cal, a.calData = cal, data
	a.kind = kindOfMethod(cal.Method)
	if len(cal.Events) == 0 && (a.kind == KindRequest || a.kind == KindCancel) {
		a.rejection = fmt.Errorf("invalid calendar: %s without any VEVENT", cal.Method)
	}
	return a
}

func kindOfMethod(method string) Kind {
	switch method {
	case "REQUEST":
		return KindRequest
	case "CANCEL":
		return KindCancel
	case "REPLY":
		return KindReply
	case "PUBLISH":
		return KindPublish
	}
	return KindOtherCalendar
}

// readEnvelope parses the header of a message. It is lenient: it needs a
// syntactically valid header block, nothing more.
func readEnvelope(raw []byte) (envelope, error) {
	var env envelope
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return env, err
	}
	env.MessageID = strings.TrimSpace(h.Get("Message-Id"))
	env.References = strings.TrimSpace(h.Get("References"))
	env.Subject = decodeHeader(h.Get("Subject"))
	env.AutoSubmitted = strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	if from := h.Get("From"); from != "" {
		if addr, err := mail.ParseAddress(decodeHeader(from)); err == nil {
			env.From = strings.ToLower(addr.Address)
		} else {
			env.From = strings.ToLower(strings.TrimSpace(from))
		}
	}
	return env, nil
}

// mustNotAnswer reports addresses that never get an automatic reply
// (RFC 3834 §2): daemons, and the rooms themselves.
func (g *Gateway) mustNotAnswer(addr string) bool {
	local := addr
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local = addr[:at]
	}
	switch strings.ToLower(local) {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "":
		return true
	}
	return g.opt.roomFor(addr) != nil
}
