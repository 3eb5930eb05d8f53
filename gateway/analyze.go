package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/ical"
)

// analysis is the meaning of a message before any decision: its kind and,
// for calendar mail, the parsed calendar and what is known of its sender.
// A non-nil rejection means the message is bad input and goes to the
// rejected folder.
type analysis struct {
	// writes wait for the mails answer started writing in the
	// background (inBackground): the decision's transaction waits for
	// them before it ends (written).
	writes    []func() ([]byte, error)
	key       string
	env       envelope
	kind      Kind
	cal       *ical.Calendar
	calData   []byte // the calendar part, decoded
	rejection error
	// auth is what is known of the From domain of a message that speaks
	// for its organizer (see speaksForOrganizer).
	auth Authentication
	// notice is set for mail a NoticeHandler took (the Zoom account's own).
	notice Notice
	// raw is the message, kept for the answer to an unreadable invitation.
	raw []byte
	// freed is set when the decision may have freed capacity (a booking
	// cancelled, moved, shortened or declined): the waiting list is then
	// looked at in the same transaction.
	freed bool
	// nonce names the approval this message asks the facilitators for,
	// once a slot of it is pending (see approvalNonce).
	nonce string
	// via names the chat account of a request made in chat (see
	// ChatBooker); "" for mail.
	via string
}

// approvalNonce returns the nonce of the approval this message asks for,
// drawn the first time: every date it leaves pending shares it.
func (a *analysis) approvalNonce() string {
	if a.nonce == "" {
		a.nonce = newNonce()
	}
	return a.nonce
}

// approvalFor is the nonce of a booking left pending: the one it had when
// the facilitators were already asked for it as it is (quiet: same slot,
// still pending), else this message's.
func (a *analysis) approvalFor(prev *Booking, quiet bool) string {
	if quiet && prev != nil && prev.Status == StatusPending && prev.Approval != "" {
		return prev.Approval
	}
	return a.approvalNonce()
}

// noteChange sets a.freed when prev, a booking that occupied the account,
// is replaced by next (nil: cancelled).
func (a *analysis) noteChange(prev, next *Booking) {
	if prev == nil || !occupyingStatus(prev.Status) {
		return
	}
	if next == nil || next.Status != StatusAccepted || next.Start.After(prev.Start) || next.End.Before(prev.End) ||
		next.Room != prev.Room {
		a.freed = true
	}
}

// messageKey is the hex SHA-256 of the raw bytes: the identity under which
// a message is recorded as processed.
func messageKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// analyze classifies one message. It does no I/O of its own (DKIM keys
// are looked up through the injected resolver, within a deadline) and
// never panics: a panic in a parser is turned into a rejection.
func (g *Gateway) analyze(ctx context.Context, in Incoming) (a analysis) {
	a = analysis{key: messageKey(in.Raw), kind: KindMail, raw: in.Raw}
	defer func() {
		if r := recover(); r != nil {
			a.rejection = fmt.Errorf("message could not be parsed (internal parser failure: %v)", r)
		}
	}()
	h, body, herr := ical.ReadHeader(in.Raw)
	a.env = readEnvelope(h)
	if in.Truncated || int64(len(in.Raw)) > g.opt.MaxMessageSize || in.Size > g.opt.MaxMessageSize {
		a.rejection = fmt.Errorf("message too large: %d octets, the limit is %d", max(in.Size, int64(len(in.Raw))), g.opt.MaxMessageSize)
		return a
	}
	if herr != nil {
		a.rejection = fmt.Errorf("unreadable message header: %w", herr)
		return a
	}
	data, err := ical.FindCalendarBody(h, body, g.opt.MaxCalendarSize)
	if errors.Is(err, ical.ErrNoCalendar) {
		g.analyzeNotice(ctx, in.Raw, h, &a)
		if a.kind == KindMail && g.opt.Policy.RequireAuthentic && g.namesRoom(in.Raw) {
			// A question to the room is answered only when authentic.
			a.auth = g.dkim.Authenticate(ctx, h, in.Raw, a.env.From)
		}
		return a
	}
	if err != nil {
		a.kind = KindOtherCalendar
		a.rejection = fmt.Errorf("calendar part unreadable: %w", err)
		a.auth = g.dkim.Authenticate(ctx, h, in.Raw, a.env.From)
		return a
	}
	cal, err := ical.Parse(data, ical.ParseOptions{Location: g.opt.Location})
	if err != nil {
		a.kind, a.calData = KindOtherCalendar, data
		a.rejection = fmt.Errorf("invalid calendar: %w", err)
		a.auth = g.dkim.Authenticate(ctx, h, in.Raw, a.env.From)
		return a
	}
	a.cal, a.calData = cal, data
	a.kind = kindOfMethod(cal.Method)
	if len(cal.Events) == 0 && (a.kind == KindRequest || a.kind == KindCancel) {
		a.rejection = fmt.Errorf("invalid calendar: %s without any VEVENT", cal.Method)
	}
	if speaksForOrganizer(a.kind, cal.Method) || (a.kind == KindReply && g.organizedByRoom(cal)) {
		a.auth = g.dkim.Authenticate(ctx, h, in.Raw, a.env.From)
	}
	return a
}

// speaksForOrganizer reports whether a calendar message of that kind and
// METHOD is believed only from its ORGANIZER (RFC 6047 §3), so that its
// sender is authenticated: a REQUEST or CANCEL, the organizer's
// DECLINECOUNTER (RFC 5546 §3.2.8), and a REFRESH (§3.2.6, see
// handleRefresh).
func speaksForOrganizer(k Kind, method string) bool {
	return k == KindRequest || k == KindCancel || method == "DECLINECOUNTER" || method == "REFRESH"
}

// analyzeNotice gives a message without calendar to the NoticeHandler.
func (g *Gateway) analyzeNotice(ctx context.Context, raw []byte, h textproto.Header, a *analysis) {
	if g.opt.Notices == nil {
		return
	}
	m := &Mail{Raw: raw, Header: h, MessageID: a.env.MessageID, Subject: a.env.Subject, From: a.env.From, ctx: ctx, g: g}
	n := g.opt.Notices.Analyze(ctx, m)
	if n == nil {
		return
	}
	a.kind, a.notice = n.Kind(), n
	if k := n.Key(); k != "" {
		a.key = k
	}
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

// readHeader parses the header block of a message.
func readHeader(raw []byte) (textproto.Header, error) {
	h, _, err := ical.ReadHeader(raw)
	return h, err
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
