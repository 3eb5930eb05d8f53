package gateway

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// TmplUnreadable is the short answer to an invitation the room could not
// read.
const TmplUnreadable = "unreadable"

// unreadablePerHour caps those answers to one address.
const unreadablePerHour = 3

// answerUnreadable answers, when it is safe, an invitation that names a
// room but could not be decided (an unreadable calendar, a missing UID or
// DTSTART, broken MIME): otherwise the member's calendar would show the
// room as pending for ever. It is safe when the sender may book (and is
// authenticated when the policy requires it), the mail is neither an
// automatic answer nor from a list (RFC 3834 §2), it is no other method
// than REQUEST, and the sender got fewer than unreadablePerHour such
// answers in the last hour. out is the rejection, returned with what was
// queued.
func (g *Gateway) answerUnreadable(ctx context.Context, tx Tx, a *analysis, out Outcome) (Outcome, error) {
	room := g.roomNamed(a)
	from := a.env.From
	switch {
	case a.kind != KindRequest && a.kind != KindOtherCalendar: // no calendar could be seen at all
		return out, nil
	case room == nil, from == "", g.mustNotAnswer(from), !g.opt.Policy.AllowedOrganizer(from),
		a.env.List, a.env.AutoSubmitted != "" && a.env.AutoSubmitted != "no",
		g.opt.Policy.RequireAuthentic && !a.auth.Pass, !requestLike(a):
		return out, nil
	}
	n, err := tx.CountOutbox(ctx, OutboxQuery{To: from, Kind: OutboxUnreadable, Since: g.opt.Now().Add(-time.Hour)})
	if err != nil || n >= unreadablePerHour {
		return out, err
	}
	// The technical reason stays in the audit and the rejected folder, for
	// the facilitators (roomgate audit, the operator page): the member
	// reads what to do, in the words and the look of the other mails.
	view := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Contact: g.opt.Contact,
		Room: RoomView{Name: room.Name, Address: room.Address}, Organizer: from, Service: g.opt.ServiceName}
	view.Relay.Subject = a.env.Subject
	if err := g.queueAnswer(ctx, tx, a, room, from, TmplUnreadable, OutboxUnreadable, view); err != nil {
		return Outcome{}, err
	}
	out.Queued++
	out.Reason += "; the sender was told the invitation could not be read"
	return out, nil
}

// requestLike reports whether a message could be an invitation: its
// calendar, when it was read or decoded, says METHOD:REQUEST, or, when it
// says no method at all, its MIME type does (method=REQUEST). A calendar
// without any method (an announcement, a published agenda) asks for
// nothing and gets no answer.
func requestLike(a *analysis) bool {
	if a.cal != nil {
		return a.cal.Method == "REQUEST"
	}
	up := bytes.ToUpper(a.calData)
	if i := bytes.Index(up, []byte("METHOD:")); i >= 0 {
		return bytes.HasPrefix(up[i+len("METHOD:"):], []byte("REQUEST"))
	}
	raw := bytes.ToUpper(a.raw)
	return bytes.Contains(raw, []byte("METHOD=REQUEST")) || bytes.Contains(raw, []byte(`METHOD="REQUEST"`))
}

// roomNamed returns the room a rejected message names: in its calendar
// when there is one, else anywhere in it (its To field, say); nil when
// none.
func (g *Gateway) roomNamed(a *analysis) *Room {
	text := a.calData
	if len(text) == 0 {
		text = a.raw
	}
	low := bytes.ToLower(text)
	for i := range g.opt.Rooms {
		if roomIn(low, g.opt.Rooms[i].Address) {
			return &g.opt.Rooms[i]
		}
	}
	return nil
}

// namesRoom reports whether a text names one of the rooms.
func (g *Gateway) namesRoom(text []byte) bool {
	low := bytes.ToLower(text)
	for _, r := range g.opt.Rooms {
		if roomIn(low, r.Address) {
			return true
		}
	}
	return false
}

// roomIn reports whether lower-case text holds addr or one of its
// plus-addresses (zoom+compta@coop.example).
func roomIn(low []byte, addr string) bool {
	addr = strings.ToLower(addr)
	if bytes.Contains(low, []byte(addr)) {
		return true
	}
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	for rest := low; ; {
		i := bytes.Index(rest, []byte(local+"+"))
		if i < 0 {
			return false
		}
		rest = rest[i+len(local)+1:]
		if j := bytes.IndexByte(rest, '@'); j >= 0 && bytes.HasPrefix(rest[j+1:], []byte(domain)) &&
			!bytes.ContainsAny(rest[:j], " \t\r\n<>:;,\"") {
			return true
		}
	}
}

// queueAnswer renders tmpl for view and queues it, as a reply to a's
// message, from the room to from: the plain answers that carry no
// calendar (the unreadable invitation, the question).
func (g *Gateway) queueAnswer(ctx context.Context, tx Tx, a *analysis, room *Room, from, tmpl, kind string, view MailView) error {
	text, err := g.opt.Renderer.Render(g.opt.Lang, tmpl, view)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	now := g.opt.Now()
	sender := Address{Name: room.Name, Addr: room.Address}
	raw := composeReply(composeInput{From: sender, To: Address{Addr: from}, Text: text,
		InReplyTo: a.env.MessageID, References: a.env.References, Date: now})
	m := OutboxMail{MessageKey: a.key, From: sender.Addr, To: []string{from}, Raw: raw, Status: OutboxPending,
		NextAttempt: now.UTC(), CreatedAt: now.UTC(), Kind: kind}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}
