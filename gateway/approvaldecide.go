package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// Templates of approvals.
const (
	// TmplPending tells the member a facilitator must approve the request.
	TmplPending = "pending"
	// TmplApproval asks the facilitators, with the signed links.
	TmplApproval = "approval"
)

// Reason codes of requests a facilitator refused or left unanswered.
const (
	ReasonApprovalRefused = "approval-refused"
	ReasonApprovalExpired = "approval-expired"
)

// KindApproval marks the audit entries of facilitators' decisions.
const KindApproval Kind = "approval"

// maxApprovalNote bounds the facilitator's reason for a refusal.
const maxApprovalNote = 500

// approvalsPerHour caps the requests mailed to each facilitator in an
// hour, all organizers together.
const approvalsPerHour = 30

// States of an approval (ApprovalView.State).
const (
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalRefused   = "refused"
	ApprovalExpired   = "expired"
	ApprovalCancelled = "cancelled" // the organizer cancelled it meanwhile
)

// ApprovalView is what the confirmation page shows of an approval.
type ApprovalView struct {
	Action        string // ApprovalApprove or ApprovalRefuse: the link's
	State         string // Approval* state
	Summary       string
	Organizer     string
	OrganizerName string
	Room          string    // the room's name
	When          Slot      // the first date, display zone
	Dates         int       // how many dates the request holds
	Rules         []string  // Approve* rules, ApproveDomain
	Expires       time.Time // display zone
	Note          string    // a refusal's reason, once refused
}

// askApproval queues the facilitators' mail for this message's approval
// and returns how many mails it queued.
func (g *Gateway) askApproval(ctx context.Context, tx Tx, a *analysis, inv *invitation) (int, error) {
	bs, err := tx.ApprovalBookings(ctx, a.nonce)
	if err != nil || len(bs) == 0 {
		return 0, err
	}
	sent, err := tx.CountOutbox(ctx, OutboxQuery{Kind: OutboxApproval, Since: g.opt.Now().Add(-time.Hour)})
	if err != nil {
		return 0, fmt.Errorf("count approval mails: %w", err)
	}
	if sent >= approvalsPerHour*len(g.opt.Relay.Facilitators) {
		// A flood of requests does not flood the facilitators: these
		// wait on the operator page, and are declined at their start.
		g.log.Warn("approval not mailed: too many requests asked of the facilitators in the last hour",
			"uid", inv.uid, "organizer", inv.organizer, "limit", approvalsPerHour)
		return 0, nil
	}
	view := g.approvalMailView(bs)
	view.ApprovalLinks = g.approvalLinks(a.nonce, bs[0].Start)
	g.log.Info("approval asked of the facilitators", "uid", inv.uid, "organizer", inv.organizer,
		"dates", len(bs), "rules", view.Approval)
	return g.notifyFacilitatorsAs(ctx, tx, a.key, inv.uid, OutboxApproval, TmplApproval, view)
}

// approvalMailView is the view of the facilitators' mail: the request's
// first date, how many, and why it needs them.
func (g *Gateway) approvalMailView(bs []Booking) MailView {
	b := &bs[0]
	v := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Service: g.opt.ServiceName,
		MaxDuration: g.opt.Policy.MaxDuration, WindowDays: windowDays(g.opt.Policy), Pending: true,
		DayHours: g.dayHoursSlot(), Member: g.opt.Policy.AllowedOrganizer(b.Organizer)}
	g.bookingView(&v, b)
	v.Lang = g.opt.Lang // the facilitators read the service's language
	v.Series, v.Dates = len(bs) > 1, len(bs)
	for _, x := range bs {
		v.Approval = mergeRules(v.Approval, verdictOf(&x).approval)
	}
	if len(bs) > 1 {
		v.Recurrence = recurrenceOf(datesOf(bs), g.opt.Location, false)
	}
	return v
}

// dayHoursSlot is the policy's day hours as a slot of today.
func (g *Gateway) dayHoursSlot() Slot {
	now := g.opt.Now().In(g.opt.Location)
	return Slot{dayAt(now, 0, g.opt.Policy.DayStart), dayAt(now, 0, g.opt.Policy.DayEnd)}
}

// datesOf turns bookings into dates, for the words of a series.
func datesOf(bs []Booking) []dated {
	ds := make([]dated, len(bs))
	for i, b := range bs {
		ds[i] = dated{want: want{key: b.RecurrenceID, start: b.Start, end: b.End}}
	}
	return ds
}

// Approval returns what an approval link is about, without changing
// anything (the confirmation page's GET). A token that is not valid gives
// ErrApprovalInvalid and nothing else.
func (g *Gateway) Approval(ctx context.Context, token string) (ApprovalView, error) {
	var view ApprovalView
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		c, err := g.readToken(token, g.opt.Now())
		if errors.Is(err, ErrApprovalInvalid) {
			return err
		}
		bs, rerr := tx.ApprovalBookings(ctx, c.nonce)
		if rerr != nil {
			return fmt.Errorf("read the approval: %w", rerr)
		}
		if len(bs) == 0 {
			return ErrApprovalReplaced
		}
		view = g.approvalView(c, bs)
		if err != nil {
			return err
		}
		if view.State != ApprovalPending {
			return ErrApprovalDone
		}
		return nil
	})
	return view, err
}

// approvalView describes an approval's bookings.
func (g *Gateway) approvalView(c approvalClaim, bs []Booking) ApprovalView {
	loc := g.opt.Location
	b := bs[0]
	v := ApprovalView{Action: c.action, Summary: b.Summary, Organizer: b.Organizer, OrganizerName: b.OrganizerName,
		Room: b.Room, When: Slot{b.Start.In(loc), b.End.In(loc)}, Dates: len(bs), Expires: c.expires.In(loc)}
	if r := g.opt.roomFor(b.Room); r != nil && r.Name != "" {
		v.Room = r.Name
	}
	v.State = ApprovalCancelled
	for _, x := range bs {
		code, text := splitReason(x.Reason)
		switch {
		case x.Status == StatusPending:
			v.State = ApprovalPending
			v.Rules = mergeRules(v.Rules, splitRules(text))
		case x.Status == StatusAccepted && v.State != ApprovalPending:
			v.State = ApprovalApproved
		case x.Status == StatusDeclined && code == ReasonApprovalRefused && v.State == ApprovalCancelled:
			v.State, v.Note = ApprovalRefused, text
		case x.Status == StatusDeclined && code == ReasonApprovalExpired && v.State == ApprovalCancelled:
			v.State = ApprovalExpired
		}
	}
	return v
}

// DecideApproval carries out an approval link's action (the confirmation
// page's POST), once: approve accepts every pending date of the request,
// with an ACCEPTED REPLY and the accept mail; refuse declines them with
// the facilitator's note and lets the waiting list have the slots. A
// token that is invalid, expired, replaced or already used changes
// nothing and says so.
func (g *Gateway) DecideApproval(ctx context.Context, token, note string) (ApprovalView, error) {
	note = storedText(note, maxApprovalNote)
	var view ApprovalView
	var claim approvalClaim
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		now := g.opt.Now()
		c, err := g.readToken(token, now)
		claim = c
		if err != nil {
			return err
		}
		bs, err := tx.ApprovalBookings(ctx, c.nonce)
		if err != nil {
			return fmt.Errorf("read the approval: %w", err)
		}
		if len(bs) == 0 {
			return ErrApprovalReplaced
		}
		if view = g.approvalView(c, bs); view.State != ApprovalPending {
			return ErrApprovalDone
		}
		pending := pendingOf(bs)
		if !pending[0].Start.After(now) {
			return ErrApprovalExpired
		}
		if c.action == ApprovalApprove {
			err = g.approve(ctx, tx, c, pending)
			view.State = ApprovalApproved
		} else {
			err = g.refuse(ctx, tx, c, pending, ReasonApprovalRefused, note)
			view.State, view.Note = ApprovalRefused, note
		}
		return err
	})
	if err != nil {
		if !errors.Is(err, ErrApprovalInvalid) {
			g.log.Info("approval link not carried out", "link", describeClaim(claim), "why", err)
		}
		return view, err
	}
	g.log.Info("request decided by a facilitator", "link", describeClaim(claim), "state", view.State)
	g.Kick()
	return view, nil
}

// pendingOf keeps the pending bookings, in order.
func pendingOf(bs []Booking) []Booking {
	var out []Booking
	for _, b := range bs {
		if b.Status == StatusPending {
			out = append(out, b)
		}
	}
	return out
}

// approvalKey stands for the message key of a facilitator's decision.
func approvalKey(c approvalClaim, action string) string {
	return "approval-" + action + "-" + c.nonce
}

// approve accepts the pending bookings of one approval.
func (g *Gateway) approve(ctx context.Context, tx Tx, c approvalClaim, pending []Booking) error {
	b := &pending[0]
	room := g.opt.roomFor(b.Room)
	if room == nil {
		return g.refuse(ctx, tx, c, pending, ReasonApprovalRefused, "the room is no longer configured")
	}
	status, _ := g.renderReplyTexts(MailView{Accepted: true}, g.langOf(b), "")
	whole, err := g.wholeMeeting(ctx, tx, pending)
	if err != nil {
		return err
	}
	stamp, err := g.itipStamp(ctx, tx, b.UID, b.Organizer)
	if err != nil {
		return err
	}
	reply := g.answerStored(pending, whole, room, ical.ReplyItem{PartStat: "ACCEPTED", RequestStatus: requestStatus(statusSuccess, status)}, stamp)
	now := g.opt.Now().UTC()
	key := approvalKey(c, ApprovalApprove)
	for i := range pending {
		p := &pending[i]
		p.Status, p.Reason, p.Request, p.UpdatedAt = StatusAccepted, "approved by a facilitator", nil, now
		if err := g.saveBooking(ctx, tx, p); err != nil {
			return fmt.Errorf("save booking: %w", err)
		}
	}
	if err := g.auditApproval(ctx, tx, key, pending, ActionAccepted, "approved by a facilitator"); err != nil {
		return err
	}
	if g.mustNotAnswer(b.Organizer) {
		return nil
	}
	view := g.reminderView(b, room)
	view.Approved, view.Accepted = true, true
	g.seriesView(&view, pending)
	return g.queueBookingReply(ctx, tx, key, b, room, TmplAccept, view, reply, stamp)
}

// refuse declines the pending bookings of one approval for code (refused
// or unanswered), with the facilitator's note, and gives the freed slots
// to the waiting list.
func (g *Gateway) refuse(ctx context.Context, tx Tx, c approvalClaim, pending []Booking, code, note string) error {
	b := &pending[0]
	lang := g.langOf(b)
	view := MailView{Reason: code, Note: note, Refused: code == ReasonApprovalRefused}
	_, comment := g.renderReplyTexts(view, lang, "A facilitator declined the request. "+note)
	room := g.opt.roomFor(b.Room)
	stamp, err := g.itipStamp(ctx, tx, b.UID, b.Organizer)
	if err != nil {
		return err
	}
	var reply []byte
	if room != nil {
		whole, err := g.wholeMeeting(ctx, tx, pending)
		if err != nil {
			return err
		}
		reply = g.answerStored(pending, whole, room, ical.ReplyItem{PartStat: "DECLINED", Comment: comment}, stamp)
	}
	now := g.opt.Now().UTC()
	why := "refused by a facilitator"
	if code == ReasonApprovalExpired {
		why = "no facilitator answered before the meeting began"
	}
	reason := code + ": " + note
	if note == "" {
		reason = code + ": " + why
	}
	key := approvalKey(c, code)
	for i := range pending {
		p := &pending[i]
		p.Status, p.Reason, p.Request, p.UpdatedAt = StatusDeclined, reason, nil, now
		if err := g.saveBooking(ctx, tx, p); err != nil {
			return fmt.Errorf("save booking: %w", err)
		}
	}
	if err := g.auditApproval(ctx, tx, key, pending, ActionDeclined, why); err != nil {
		return err
	}
	if reply != nil && !g.mustNotAnswer(b.Organizer) {
		mv := g.reminderView(b, room)
		mv.Room.JoinURL, mv.Room.MeetingID, mv.Room.Passcode, mv.HostKey = "", "", "", "" // a decline gives nothing away
		mv.Tool, mv.Options = nil, nil
		mv.Reason, mv.Note, mv.Refused = code, note, view.Refused
		mv.MaxDuration, mv.WindowDays, mv.Concurrent = g.opt.Policy.MaxDuration, windowDays(g.opt.Policy), g.opt.Concurrent
		g.seriesView(&mv, pending)
		if err := g.queueBookingReply(ctx, tx, key, b, room, TmplDecline, mv, reply, stamp); err != nil {
			return err
		}
	}
	_, err = g.promoteWaiters(ctx, tx, key)
	return err
}

// seriesView names the dates of a request of several in a view.
func (g *Gateway) seriesView(v *MailView, bs []Booking) {
	if len(bs) < 2 {
		return
	}
	v.Series, v.Dates = true, len(bs)
	v.Recurrence = recurrenceOf(datesOf(bs), g.opt.Location, false)
}

// auditApproval logs a facilitator's decision, once per booking.
func (g *Gateway) auditApproval(ctx context.Context, tx Tx, key string, bs []Booking, act Action, why string) error {
	now := g.opt.Now().UTC()
	for _, b := range bs {
		if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: key, MessageID: b.MessageID, Kind: KindApproval,
			Action: act, UID: b.UID, Organizer: b.Organizer, Room: b.Room, Start: b.Start, End: b.End, Reason: why}); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return nil
}

// requestReply builds the REPLY answering the bookings of one meeting
// (the pending dates of an approval) with it's PARTSTAT, from the
// request's own calendar so that every form (UID, RECURRENCE-ID, TZID) is
// the organizer's. When bs are all the dates the meeting holds (whole),
// the master of a series answers for its dates; otherwise each date
// answers for itself, so that the others keep their answer. Each date the
// request sent as an override of its own answers for itself.
func (g *Gateway) requestReply(bs []Booking, whole bool, room *Room, it ical.ReplyItem, stamp time.Time) ([]byte, error) {
	b := &bs[0]
	cal, err := ical.Parse(b.Request, ical.ParseOptions{Location: g.opt.Location})
	if err != nil {
		return nil, fmt.Errorf("stored request: %w", err)
	}
	var master *ical.Event
	overrides := map[string]*ical.Event{}
	for _, ev := range cal.Events {
		switch {
		case ev.UID != b.UID:
		case ev.RecurrenceID == nil:
			master = ev
		default:
			overrides[RecurrenceKey(ev.RecurrenceID.Time)] = ev
		}
	}
	var items []ical.ReplyItem
	add := func(ev *ical.Event) {
		x := it
		x.Event = ev
		x.Attendee = ev.Attendee(func(a string) bool { return g.opt.roomFor(a) == room })
		if x.Attendee != nil {
			items = append(items, x)
		}
	}
	recurring := master != nil && master.IsRecurring()
	if recurring && whole {
		add(master)
	}
	for _, x := range bs {
		switch ov := overrides[x.RecurrenceID]; {
		case ov != nil:
			add(ov)
		case x.RecurrenceID == "" && master != nil && !recurring:
			add(master)
		case recurring && !whole:
			// Some dates of the series stay as they were answered: this
			// one is answered on its own.
			rid, err := time.Parse(recurrenceKeyLayout, x.RecurrenceID)
			if err != nil {
				continue
			}
			n := len(items)
			add(master)
			if len(items) > n {
				items[n].RecurrenceID = master.RecurrenceIDFor(rid)
			}
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no component of %s names the room in the stored request", printable(b.UID))
	}
	return ical.BuildReply(cal, items, stamp, g.opt.ProdID), nil
}

// answerStored is requestReply, or, when the stored request cannot be
// read again, a REPLY rebuilt from the first booking alone.
func (g *Gateway) answerStored(bs []Booking, whole bool, room *Room, it ical.ReplyItem, stamp time.Time) []byte {
	reply, err := g.requestReply(bs, whole, room, it, stamp)
	if err == nil {
		return reply
	}
	b := &bs[0]
	g.log.Warn("a request's stored calendar cannot be answered; the reply is rebuilt from the booking", "uid", b.UID, "err", err)
	return storedReply(b, *room, it.PartStat, it.Comment, stamp, g.opt.ProdID)
}

// wholeMeeting reports whether bs, bookings of one meeting, are every
// date it holds: no other date of it is accepted or pending.
func (g *Gateway) wholeMeeting(ctx context.Context, tx Tx, bs []Booking) (bool, error) {
	all, err := tx.BookingsOf(ctx, bs[0].Organizer, bs[0].UID)
	if err != nil {
		return false, fmt.Errorf("read bookings: %w", err)
	}
	in := make(map[int64]bool, len(bs))
	for _, b := range bs {
		in[b.ID] = true
	}
	for _, b := range all {
		if !in[b.ID] && (b.Status == StatusAccepted || b.Status == StatusPending) {
			return false, nil
		}
	}
	return true, nil
}

// queueBookingReply queues a mail from a booking's room to its organizer,
// with a REPLY, answering the message that last decided the booking.
// stamp is the REPLY's DTSTAMP (see itipStamp).
func (g *Gateway) queueBookingReply(ctx context.Context, tx Tx, key string, b *Booking, room *Room, tmpl string, view MailView, reply []byte, stamp time.Time) error {
	if isChatUID(b.UID) { // the room organizes the member's event (see ChatBooker)
		return g.queueChatBookingMail(ctx, tx, key, b, room, tmpl, view)
	}
	text, err := g.opt.Renderer.Render(g.langOf(b), tmpl, view)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	now := g.opt.Now()
	from := Address{Name: room.Name, Addr: room.Address}
	to := Address{Name: b.OrganizerName, Addr: b.Organizer}
	raw := composeReply(composeInput{From: from, To: to, Text: text, Calendar: reply, InReplyTo: b.MessageID, Date: now})
	m := OutboxMail{MessageKey: key, UID: b.UID, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: stamp, Kind: OutboxReply}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	if tmpl != TmplAccept {
		return nil
	}
	return g.meetings.AcceptQueued(ctx, tx, &m, HeldAccept{Organizer: b.Organizer, UID: b.UID, Key: key,
		Lang: g.langOf(b), View: view, From: from, To: to, Calendar: reply, InReplyTo: b.MessageID})
}

// ExpireApprovals declines the requests no facilitator answered before
// their first date began (RunSeries calls it), with a REPLY and a mail to
// each organizer, and returns how many requests.
func (g *Gateway) ExpireApprovals(ctx context.Context) (int, error) {
	n := 0
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		due, err := tx.PendingDue(ctx, g.opt.Now())
		if err != nil {
			return err
		}
		done := map[string]bool{}
		for _, b := range due {
			if done[b.Approval] {
				continue
			}
			bs := []Booking{b}
			if b.Approval != "" { // every date of the request ends with its first
				done[b.Approval] = true
				if bs, err = tx.ApprovalBookings(ctx, b.Approval); err != nil {
					return err
				}
			}
			c := approvalClaim{nonce: b.Approval, action: ReasonApprovalExpired}
			if err := g.refuse(ctx, tx, c, pendingOf(bs), ReasonApprovalExpired, ""); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		g.Kick()
	}
	return n, err
}
