package gateway

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// iTIP request status codes written in replies (RFC 5546 §3.6); their
// descriptions are in the organizer's language (TmplComment).
const (
	statusSuccess  = "2.0"
	statusConflict = "4.1"
)

// replyItem answers one component for the room. The COMMENT of a decline
// and the REQUEST-STATUS description are written for the organizer, in
// their language, not in the English of the audit log.
func (g *Gateway) replyItem(inv *invitation, ev *ical.Event, v verdict) ical.ReplyItem {
	att := ev.Attendee(func(addr string) bool { return g.opt.roomFor(addr) != nil })
	if att == nil {
		att = inv.attendee
	}
	it := ical.ReplyItem{Event: ev, Attendee: att, PartStat: partStat(v)}
	status, comment := g.replyTexts(v, ev.Start, ev.End)
	switch {
	case v.accepted:
		it.RequestStatus = requestStatus(statusSuccess, status)
	case v.reason == ReasonConflict:
		it.RequestStatus = requestStatus(statusConflict, status)
	}
	if !v.accepted || v.pending {
		it.Comment = comment
	}
	return it
}

// partStat is the room's PARTSTAT for a verdict (RFC 5545 §3.2.12): a
// slot held for a facilitator's approval is TENTATIVE.
func partStat(v verdict) string {
	switch {
	case v.pending:
		return "TENTATIVE"
	case v.accepted:
		return "ACCEPTED"
	}
	return "DECLINED"
}

// answer queues the iTIP REPLY with the member's mail, unless a limit on
// replies says no (see replyLimit).
func (g *Gateway) answer(ctx context.Context, tx Tx, a *analysis, inv *invitation, out Outcome, tmpl string, view MailView, items []ical.ReplyItem) (Outcome, error) {
	if a.via != "" {
		return g.answerChat(ctx, tx, a, inv, out, tmpl, view)
	}
	kind := OutboxReply
	if view.Outsider {
		kind = OutboxOutsider
	}
	why, stamp, err := g.replyLimitStamp(ctx, tx, inv.uid, inv.organizer, kind)
	if err != nil || why != "" {
		if why != "" {
			out.Reason += " (no reply sent: " + why + ")"
		}
		return out, err
	}
	now := g.opt.Now()
	from := Address{Name: inv.room.Name, Addr: g.roomAttendee(inv)}
	to := Address{Name: inv.organizerName, Addr: inv.organizer}
	id := newMessageID(from.Addr)
	// write is pure: the reply's text, its calendar, the whole mail. It
	// reads only what the decision no longer changes (not a itself).
	req, inReplyTo, refs, lang, prodID := a.cal, a.env.MessageID, a.env.References, g.opt.Lang, g.opt.ProdID
	write := func() ([]byte, []byte, error) {
		text, err := g.opt.Renderer.Render(lang, tmpl, view)
		if err != nil {
			return nil, nil, fmt.Errorf("render %s mail: %w", tmpl, err)
		}
		cal := ical.BuildReply(req, items, stamp, prodID)
		return cal, composeReply(composeInput{From: from, To: to, Text: text, Calendar: cal, InReplyTo: inReplyTo,
			References: refs, Date: now, MessageID: id}), nil
	}
	m := OutboxMail{MessageKey: a.key, UID: inv.uid, From: from.Addr, To: []string{to.Addr},
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: stamp, Kind: kind, MessageID: messageIDField(id)}
	if bl, ok := tx.(BodyLater); ok && (tmpl != TmplAccept || g.noMeetingLayer()) {
		// Nothing reads the mail before the commit, so it is written
		// meanwhile; not an accept mail a meeting layer holds, which it
		// may write again in this transaction.
		wait := inBackground(write)
		a.writes = append(a.writes, wait)
		if err := bl.EnqueueLater(ctx, &m, wait); err != nil {
			return Outcome{}, fmt.Errorf("queue reply: %w", err)
		}
		out.Queued++
		return out, nil
	}
	cal, raw, err := write()
	if err != nil {
		return Outcome{}, err
	}
	m.Raw = raw
	if err := tx.Enqueue(ctx, &m); err != nil {
		return Outcome{}, fmt.Errorf("queue reply: %w", err)
	}
	if tmpl == TmplAccept {
		h := HeldAccept{Organizer: inv.organizer, UID: inv.uid, Key: a.key, Lang: g.opt.Lang, View: view,
			From: from, To: to, Calendar: cal, InReplyTo: a.env.MessageID, References: a.env.References}
		if err := g.meetings.AcceptQueued(ctx, tx, &m, h); err != nil {
			return Outcome{}, err
		}
	}
	out.Queued++
	return out, nil
}

// noMeetingLayer says whether no meeting layer is told of the decisions
// (a fixed room, not Zoom API mode).
func (g *Gateway) noMeetingLayer() bool {
	_, none := g.meetings.(noMeetings)
	return none
}

// writePanic is a panic of a mail written in the background
// (inBackground), as an error: value is what was passed to panic, stack
// where. The decision's transaction panics with it again (written), so
// that it is handled as a panic of the decision.
type writePanic struct {
	value any
	stack []byte
}

func (p writePanic) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// inBackground starts write on a goroutine of its own and returns what
// waits for its mail: the mail, or write's error, or its panic as a
// writePanic (a panic must not end the daemon from a goroutine nobody
// recovers).
func inBackground(write func() (cal, raw []byte, err error)) func() ([]byte, error) {
	type result struct {
		raw []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: writePanic{value: p, stack: debug.Stack()}}
			}
			done <- r
		}()
		_, r.raw, r.err = write()
	}()
	var r *result
	return func() ([]byte, error) {
		if r == nil {
			got := <-done
			r = &got
		}
		return r.raw, r.err
	}
}

// written waits for the mails of a written in the background, and
// returns the first one's error. A panic there is raised again here, in
// the decision's transaction, where a panic of the decision would have
// been.
func (a *analysis) written() error {
	for _, wait := range a.writes {
		if _, err := wait(); err != nil {
			var p writePanic
			if errors.As(err, &p) {
				panic(p)
			}
			return err
		}
	}
	return nil
}

// roomAttendee is the address the room was invited under (a plus-address
// names the same room), which the reply must come from (RFC 6047 §3).
func (g *Gateway) roomAttendee(inv *invitation) string {
	if m, err := inv.attendee.Mailbox(); err == nil && g.opt.roomFor(m) != nil {
		return m
	}
	return inv.room.Address
}

// replyLimit says why no reply may be sent now, or "": at most
// RepliesPerHour for one meeting (a loop guard), SenderRepliesPerHour to
// one address whatever the meeting (a new UID per mail does not get
// around it), and OutsiderRepliesPerHour to people who may not book, all
// together.
func (g *Gateway) replyLimit(ctx context.Context, tx Tx, uid, to, kind string) (string, error) {
	checks := g.limitChecks(uid, to, kind)
	ns, err := countOutboxes(ctx, tx, checkQueries(checks))
	if err != nil {
		return "", fmt.Errorf("count replies: %w", err)
	}
	return limitReached(checks, ns), nil
}

// replyLimitStamp is replyLimit, then itipStamp for the same meeting and
// recipient: when tx is an OutboxStamper, both read in one round trip.
// Nothing is written between the two reads, which see the same
// transaction, so the stamp is the one itipStamp would give.
func (g *Gateway) replyLimitStamp(ctx context.Context, tx Tx, uid, to, kind string) (string, time.Time, error) {
	s, ok := tx.(OutboxStamper)
	if !ok {
		why, err := g.replyLimit(ctx, tx, uid, to, kind)
		if err != nil || why != "" {
			return why, time.Time{}, err
		}
		stamp, err := g.itipStamp(ctx, tx, uid, to)
		return "", stamp, err
	}
	checks := g.limitChecks(uid, to, kind)
	ns, last, err := s.CountOutboxesLast(ctx, checkQueries(checks), OutboxQuery{UID: uid, To: to})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("count replies: %w", err)
	}
	return limitReached(checks, ns), g.stampAfter(last), nil
}

// limitCheck is one limit on replies: at most limit rows of q.
type limitCheck struct {
	q     OutboxQuery
	limit int
	what  string
}

func (g *Gateway) limitChecks(uid, to, kind string) []limitCheck {
	since := g.opt.Now().Add(-time.Hour)
	p := g.opt.Policy
	checks := []limitCheck{
		{OutboxQuery{UID: uid, To: to, Since: since}, g.opt.RepliesPerHour, "replies for this meeting"},
		{OutboxQuery{To: to, Kind: kind, Since: since}, p.SenderRepliesPerHour, "replies to " + to},
	}
	if kind == OutboxOutsider {
		checks = append(checks, limitCheck{OutboxQuery{Kind: OutboxOutsider, Since: since}, p.OutsiderRepliesPerHour, "replies to people who may not book"})
	}
	return checks
}

func checkQueries(checks []limitCheck) []OutboxQuery {
	qs := make([]OutboxQuery, len(checks))
	for i, c := range checks {
		qs[i] = c.q
	}
	return qs
}

// limitReached says which check the counts ns reach, or "".
func limitReached(checks []limitCheck, ns []int) string {
	for i, c := range checks {
		if n := ns[i]; n >= c.limit {
			return fmt.Sprintf("%d %s in the last hour", n, c.what)
		}
	}
	return ""
}

// countOutboxes counts the rows of each query, at once when tx can.
func countOutboxes(ctx context.Context, tx Tx, qs []OutboxQuery) ([]int, error) {
	if c, ok := tx.(OutboxCounter); ok {
		return c.CountOutboxes(ctx, qs)
	}
	ns := make([]int, len(qs))
	for i, q := range qs {
		n, err := tx.CountOutbox(ctx, q)
		if err != nil {
			return nil, err
		}
		ns[i] = n
	}
	return ns, nil
}

// template returns the mail template for a verdict.
func template(v verdict) string {
	switch {
	case v.pending:
		return TmplPending
	case v.accepted:
		return TmplAccept
	}
	return TmplDecline
}

// mailView gathers what the member's mail shows. Room details and the host
// key are only given for accepted bookings.
func (g *Gateway) mailView(inv *invitation, v verdict, ev *ical.Event, s, e time.Time) MailView {
	loc := g.opt.Location
	mv := MailView{Lang: g.opt.Lang, Summary: storedText(ev.Summary, maxSummaryLen), OrganizerName: inv.organizerName, Organizer: inv.organizer,
		Room: RoomView{Name: inv.room.Name, Address: inv.room.Address}, When: Slot{s.In(loc), e.In(loc)},
		TimeZone: loc.String(), Reason: v.reason, Suggestions: v.suggestions, MaxDuration: g.opt.Policy.MaxDuration,
		WindowDays: windowDays(g.opt.Policy), LeadMinutes: g.opt.LeadMinutes, RecordingHours: 24, Contact: g.opt.Contact,
		Concurrent: g.opt.Concurrent, Service: g.opt.ServiceName, Accepted: v.accepted && !v.pending, Pending: v.pending, Buffer: g.opt.Policy.Buffer,
		BufferOnly: bufferOnly(v.conflicts, s, e), Quota: v.quota}
	mv.RoomTaken = g.roomOnly(v.conflicts, inv.room.Address, s, e)
	mv.Waiting, mv.HoldsFull = v.wait, v.holdsFull
	for _, b := range v.conflicts {
		mv.Conflicts = append(mv.Conflicts, Slot{b.Start.In(loc), b.End.In(loc)})
	}
	mv.Approval = v.approval
	g.bookedByView(&mv, inv, v.other)
	if v.tool != "" || (v.accepted && !v.pending) { // a pending request learns nothing of the room yet
		g.hostView(&mv, inv.room, &Booking{Host: v.host, Provider: v.tool, ToolRoom: v.toolRoom})
		mv.LinkInInvitation = v.tool == "" && linkInInvitation(ev, mv.Room.JoinURL)
		mv.Options = optionsView(inv.options, inv.badOptions, g.opt.MeetingOptionsApplied && v.tool == "")
	}
	return mv
}

// roomOnly reports whether a slot is refused only because its room is in
// use: the account could host one meeting more, in another room.
func (g *Gateway) roomOnly(in []Booking, room string, s, e time.Time) bool {
	inRoom := false
	for _, b := range in {
		inRoom = inRoom || b.Room == room
	}
	if !inRoom || g.opt.Concurrent <= 1 || !g.hosts().legacy {
		return false
	}
	full, _ := g.conflicts(in, meetingKey{}, s, e)
	return !full
}
