package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/ical"
)

// ChatBooker decides the bookings members ask for in the cooperative's
// chat (chat.Booker). A chat request is made into the invitation the
// member would have sent (ORGANIZER the linked member address, ATTENDEE
// the room, a fresh UID) and decided by the very function that decides a
// mail (decideOnce): same policy, quotas, holds, waiting list, approval,
// audit (whose reason names the chat account) and waiting list promotion.
//
// What the member's calendar gets differs from a mail's answer, since the
// member sent no invitation: the room organizes the event. An accepted
// booking is mailed to the member as an iTIP REQUEST (RFC 5546 §3.2.2)
// whose ORGANIZER is the room and whose ATTENDEEs are the member
// (NEEDS-ACTION, RSVP) and the room (ACCEPTED), with the accept mail's
// text (room details and host key, to the member only). The member's
// calendar answers with a REPLY (§3.2.3): ACCEPTED keeps the booking,
// DECLINED (what clients send when the event is declined or deleted)
// frees it through the cancellation path (handleReply). A chat
// cancellation sends the member the room's CANCEL (§3.2.5).
type ChatBooker struct{ g *Gateway }

// ChatBooker returns the gateway's chat.Booker.
func (g *Gateway) ChatBooker() *ChatBooker { return &ChatBooker{g: g} }

var _ chat.Booker = (*ChatBooker)(nil)

// chatUIDMark marks the UIDs roomgate draws for events it organizes for
// a chat booking: "<hex>.chat@<room's domain>".
const chatUIDMark = ".chat@"

func isChatUID(uid string) bool { return strings.Contains(uid, chatUIDMark) }

// room is the room chat books: the first configured.
func (c *ChatBooker) room() *Room { return &c.g.opt.Rooms[0] }

// IsMember implements chat.Booker: the policy lets address book, directly
// or with a facilitator's approval.
func (c *ChatBooker) IsMember(_ context.Context, address string) (bool, error) {
	_, err := c.member(address)
	return err == nil, nil
}

// member checks a linked address: one mailbox the policy lets book.
func (c *ChatBooker) member(address string) (string, error) {
	addr, err := ical.ParseMailbox(address)
	if err != nil {
		return "", chat.ErrNotMember
	}
	p := c.g.opt.Policy
	if !(p.AllowedOrganizer(addr) || p.approvalOrganizer(addr)) || c.g.mustNotAnswer(addr) {
		return "", chat.ErrNotMember
	}
	return addr, nil
}

// chatAnalysis is the analysis of a calendar roomgate wrote for a chat
// command: its sender is the linked member, proven by the link, and via
// names the chat account for the audit.
func (g *Gateway) chatAnalysis(data []byte, member, via string) (analysis, error) {
	cal, err := ical.Parse(data, ical.ParseOptions{Location: g.opt.Location})
	if err != nil {
		return analysis{}, fmt.Errorf("chat request: %w", err)
	}
	a := analysis{key: "chat-" + messageKey(data), kind: kindOfMethod(cal.Method), cal: cal, calData: data,
		via: printable(via)}
	a.env = envelope{MessageID: "<" + newMessageID(g.opt.Rooms[0].Address) + ">", From: member, FromText: member}
	a.auth = Authentication{From: member, Pass: true, Why: "linked chat account: " + a.via}
	return a, nil
}

// Book implements chat.Booker.
func (c *ChatBooker) Book(ctx context.Context, r chat.BookRequest) (chat.Outcome, error) {
	g := c.g
	member, err := c.member(r.Member)
	if err != nil {
		return chat.Outcome{}, err
	}
	room := c.room()
	title := storedText(r.Title, maxSummaryLen)
	if title == "" {
		title = room.Name
	}
	uid := randomHex(16) + chatUIDMark + domainOf(room.Address)
	data := ical.BuildOrganized("REQUEST", ical.Organized{UID: uid, Start: r.Slot.Start, End: r.Slot.End, Summary: title,
		Organizer: ical.Party{Addr: member},
		Attendees: []ical.Party{{Addr: room.Address, Name: room.Name, PartStat: "NEEDS-ACTION", RSVP: true}}},
		g.opt.Now(), g.opt.ProdID)
	a, err := g.chatAnalysis(data, member, r.Via)
	if err != nil {
		return chat.Outcome{}, err
	}
	var out Outcome
	var b *Booking
	err = g.opt.Store.Update(ctx, func(tx Tx) error {
		if out, err = g.decideOnce(ctx, tx, &a); err != nil {
			return err
		}
		bs, err := tx.BookingsOf(ctx, member, uid)
		b = findBooking(bs, "")
		return err
	})
	if err != nil {
		return chat.Outcome{}, fmt.Errorf("record chat booking: %w", err)
	}
	g.observe(out, nil, 0)
	g.log.Info("chat booking decided", "via", a.via, "organizer", member, "uid", uid, "action", out.Action, "reason", out.Reason)
	if out.Queued > 0 {
		g.Kick()
	}
	return c.outcome(out, b, r.Lang), nil
}

// outcome is the chat's view of a decision.
func (c *ChatBooker) outcome(out Outcome, b *Booking, lang string) chat.Outcome {
	if b == nil {
		return chat.Outcome{Status: chat.Declined, Reason: out.Reason}
	}
	res := chat.Outcome{Booking: chatBooking(*b)}
	switch b.Status {
	case StatusAccepted:
		res.Status = chat.Accepted
	case StatusPending:
		res.Status = chat.Pending
	case StatusWaiting:
		res.Status = chat.Waiting
	default:
		res.Status = chat.Declined
		code, english := splitReason(b.Reason)
		loc := c.g.opt.Location
		view := MailView{Reason: code, When: Slot{b.Start.In(loc), b.End.In(loc)}}
		_, res.Reason = c.g.renderReplyTexts(view, chatLang(lang, c.g.opt.Lang), english)
	}
	return res
}

func chatLang(lang, def string) string {
	if lang == chat.French || lang == chat.English {
		return lang
	}
	return def
}

func chatBooking(b Booking) chat.Booking {
	return chat.Booking{ID: b.ID, Slot: chat.Slot{Start: b.Start, End: b.End}, Title: b.Summary}
}

// domainOf is the domain of an address.
func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return "roomgate.invalid"
}

// Bookings implements chat.Booker: the member's own bookings (accepted,
// pending approval or waiting) that end after from.
func (c *ChatBooker) Bookings(ctx context.Context, member string, from time.Time) ([]chat.Booking, error) {
	addr, err := c.member(member)
	if err != nil {
		return nil, err
	}
	var bs []Booking
	err = c.g.opt.Store.Update(ctx, func(tx Tx) (err error) {
		bs, err = tx.PersonBookings(ctx, addr, from)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	var out []chat.Booking
	for _, b := range bs {
		if b.Organizer == addr && chatListed(b.Status) && b.End.After(from) {
			out = append(out, chatBooking(b))
		}
	}
	return out, nil
}

func chatListed(s BookingStatus) bool {
	return s == StatusAccepted || s == StatusPending || s == StatusWaiting
}

// Cancel implements chat.Booker: it cancels one of the member's bookings
// as the member's CANCEL would (handleCancel), and tells the member's
// calendar: the room's CANCEL for an event the room organizes (a chat
// booking), else the room's REPLY declining, as when the operator
// cancels.
func (c *ChatBooker) Cancel(ctx context.Context, member string, id int64, via string) error {
	g := c.g
	addr, err := c.member(member)
	if err != nil {
		return err
	}
	var out Outcome
	err = g.opt.Store.Update(ctx, func(tx Tx) error {
		b, err := tx.BookingByID(ctx, id)
		if err != nil {
			return fmt.Errorf("read booking: %w", err)
		}
		if b == nil || b.Organizer != addr || !chatListed(b.Status) || !b.End.After(g.opt.Now()) {
			return chat.ErrNoBooking
		}
		if out, err = g.chatCancel(ctx, tx, *b, via); err != nil {
			return err
		}
		if out.Action != ActionCancelled {
			return fmt.Errorf("chat cancellation of booking %d not applied: %s", id, out.Reason)
		}
		return g.tellCancelled(ctx, tx, *b)
	})
	if err != nil {
		return err
	}
	g.observe(out, nil, 0)
	g.log.Info("chat booking cancelled", "via", printable(via), "organizer", addr, "booking_id", id)
	g.Kick()
	return nil
}

// chatCancel decides the CANCEL the member would send for b: SEQUENCE one
// more than the booking's, so it is never stale.
func (g *Gateway) chatCancel(ctx context.Context, tx Tx, b Booking, via string) (Outcome, error) {
	room := Room{Address: b.Room}
	data := ical.BuildOrganized("CANCEL", ical.Organized{UID: b.UID, Sequence: b.Sequence + 1, RecurrenceID: b.RecurrenceID,
		Start: b.Start, End: b.End, Summary: b.Summary, Organizer: ical.Party{Addr: b.Organizer},
		Attendees: []ical.Party{{Addr: room.Address}}, Status: "CANCELLED"}, g.opt.Now(), g.opt.ProdID)
	a, err := g.chatAnalysis(data, b.Organizer, via)
	if err != nil {
		return Outcome{}, err
	}
	return g.decideOnce(ctx, tx, &a)
}

// tellCancelled queues the mail that takes a cancelled booking out of the
// member's calendar.
func (g *Gateway) tellCancelled(ctx context.Context, tx Tx, b Booking) error {
	if !isChatUID(b.UID) {
		return g.queueCancelMail(ctx, tx, &b, "", g.opt.Now().UTC())
	}
	room := g.opt.roomFor(b.Room)
	if room == nil {
		return nil
	}
	now := g.opt.Now()
	cal := ical.BuildOrganized("CANCEL", g.chatEvent(room, b.Organizer, b.OrganizerName, b.UID, b.Sequence+1,
		b.Start, b.End, b.Summary, "CANCELLED"), now, g.opt.ProdID)
	loc := g.opt.Location
	view := MailView{Lang: g.opt.Lang, Summary: b.Summary, Organizer: b.Organizer, OrganizerName: b.OrganizerName,
		Room: RoomView{Name: room.Name, Address: room.Address}, When: Slot{b.Start.In(loc), b.End.In(loc)},
		TimeZone: loc.String(), Contact: g.opt.Contact, Service: g.opt.ServiceName}
	return g.queueChatMail(ctx, tx, "chat-cancel-"+b.UID, b.UID, room, b.Organizer, b.OrganizerName, TmplCancelled, view, cal, "CANCEL")
}

// chatEvent is the event the room organizes for a chat booking.
func (g *Gateway) chatEvent(room *Room, member, name, uid string, seq int, s, e time.Time, summary, status string) ical.Organized {
	return ical.Organized{UID: uid, Sequence: seq, Start: s, End: e, Summary: summary, Location: room.JoinURL,
		Organizer: ical.Party{Addr: room.Address, Name: room.Name}, Status: status,
		Attendees: []ical.Party{{Addr: member, Name: name, PartStat: "NEEDS-ACTION", RSVP: true},
			{Addr: room.Address, Name: room.Name, PartStat: "ACCEPTED"}}}
}

// answerChat is answer for a chat request: the member's mail in the same
// template, with the room's iTIP REQUEST when the slot is accepted (the
// booking enters the member's calendar) and no calendar otherwise (the
// member has no event to update; the chat told them already).
func (g *Gateway) answerChat(ctx context.Context, tx Tx, a *analysis, inv *invitation, out Outcome, tmpl string, view MailView) (Outcome, error) {
	if why, err := g.replyLimit(ctx, tx, inv.uid, inv.organizer, OutboxReply); err != nil || why != "" {
		if why != "" {
			out.Reason += " (no mail sent: " + why + ")"
		}
		return out, err
	}
	var cal []byte
	method := ""
	if view.Accepted {
		ev := inv.master
		cal = ical.BuildOrganized("REQUEST", g.chatEvent(inv.room, inv.organizer, inv.organizerName, inv.uid, ev.Sequence,
			ev.Start, ev.End, ev.Summary, "CONFIRMED"), g.opt.Now(), g.opt.ProdID)
		method = "REQUEST"
	}
	if err := g.queueChatMail(ctx, tx, a.key, inv.uid, inv.room, inv.organizer, inv.organizerName, tmpl, view, cal, method); err != nil {
		return Outcome{}, err
	}
	out.Queued++
	return out, nil
}

// queueChatBookingMail is queueBookingReply for a chat booking decided
// later (a waiting request whose slot freed, a facilitator's answer): the
// room's REQUEST when it is accepted, else the mail alone.
func (g *Gateway) queueChatBookingMail(ctx context.Context, tx Tx, key string, b *Booking, room *Room, tmpl string, view MailView) error {
	var cal []byte
	method := ""
	if tmpl == TmplAccept {
		cal = ical.BuildOrganized("REQUEST", g.chatEvent(room, b.Organizer, b.OrganizerName, b.UID, b.Sequence,
			b.Start, b.End, b.Summary, "CONFIRMED"), g.opt.Now(), g.opt.ProdID)
		method = "REQUEST"
	}
	return g.queueChatMail(ctx, tx, key, b.UID, room, b.Organizer, b.OrganizerName, tmpl, view, cal, method)
}

// queueChatMail renders tmpl and queues the member's mail, with cal as
// its text/calendar part of that method when not nil. It is not a reply
// to any message (RFC 3834 §5: auto-generated). A REQUEST is an accept
// mail: the meeting layer is told (MeetingHooks.AcceptQueued).
func (g *Gateway) queueChatMail(ctx context.Context, tx Tx, key, uid string, room *Room, to, toName, tmpl string, view MailView, cal []byte, method string) error {
	text, err := g.opt.Renderer.Render(g.opt.Lang, tmpl, view)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	now := g.opt.Now()
	stamp, err := g.itipStamp(ctx, tx, uid, to)
	if err != nil {
		return err
	}
	from := Address{Name: room.Name, Addr: room.Address}
	raw := compose(composeInput{From: from, To: Address{Name: toName, Addr: to}, Text: text, Calendar: cal,
		Method: method, Date: now, AutoSubmitted: "auto-generated"})
	m := OutboxMail{MessageKey: key, UID: uid, From: from.Addr, To: []string{to}, Raw: raw,
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: stamp, Kind: OutboxReply}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue chat mail: %w", err)
	}
	if method != "REQUEST" {
		return nil
	}
	// The meeting layer may hold it until the booking's own meeting exists.
	return g.meetings.AcceptQueued(ctx, tx, &m, HeldAccept{Organizer: to, UID: uid, Key: key, Lang: g.opt.Lang,
		View: view, From: from, To: Address{Name: toName, Addr: to}, Calendar: cal, Method: method})
}
