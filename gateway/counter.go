package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// TmplCounter is the short mail that goes with an iTIP COUNTER.
const TmplCounter = "counter"

// counterClients name, by their PRODID (lower case), the clients known to
// apply an attendee's COUNTER (RFC 5546 §3.2.7) in one click:
// Thunderbird's calItipUtils offers "Reschedule" and "Decline counter"
// (and honours X-MICROSOFT-DISALLOW-COUNTER); Outlook and Exchange show
// "New Time Proposed" with "Accept Proposal" (MS-OXCICAL). Google, Apple
// and the others do not apply an iMIP COUNTER: they get none.
var counterClients = []string{
	"mozilla.org/nonsgml mozilla calendar",
	"microsoft exchange server",
	"microsoft corporation//outlook",
	"microsoft cdo",
}

// holdKey is the RecurrenceID of the booking that holds a proposed slot
// for a meeting's date rid ("" for a single event).
func holdKey(rid string) string {
	if rid == "" {
		return "hold"
	}
	return "hold:" + rid
}

// mayCounter reports whether a REQUEST declined for a taken slot gets a
// counter-proposal: the policy allows it, the organizer's client applies
// one, and the request does not forbid it.
func (g *Gateway) mayCounter(a *analysis) bool {
	if !g.opt.Policy.Counter || a.cal == nil || a.cal.DisallowsCounter() {
		return false
	}
	prodID := strings.ToLower(a.cal.ProdID)
	for _, c := range counterClients {
		if strings.Contains(prodID, c) {
			return true
		}
	}
	return false
}

// offerCounter proposes, besides the DECLINED reply, the free slot nearest
// to the one asked for ev (a single event, or one date rid of a series),
// with an iTIP COUNTER, and holds that slot for the organizer for
// CounterHold so that accepting it is not declined by a race. It returns
// how many mails it queued.
func (g *Gateway) offerCounter(ctx context.Context, tx Tx, a *analysis, inv *invitation, ev *ical.Event, rid string, v verdict) (int, error) {
	slot, ok := nearestSlot(v.suggestions, ev.Start)
	if !ok || !g.mayCounter(a) || !inv.mayHold() { // see holds.go
		return 0, nil
	}
	if why, err := g.replyLimit(ctx, tx, inv.uid, inv.organizer, OutboxReply); err != nil || why != "" {
		return 0, err
	}
	now := g.opt.Now()
	hold := g.newBooking(a, inv, ev, holdKey(rid), verdict{text: "a slot proposed to the organizer"})
	hold.Status, hold.Start, hold.End, hold.ExpiresAt = StatusHeld, slot.Start.UTC(), slot.End.UTC(), now.Add(g.opt.Policy.CounterHold).UTC()
	var err error
	if hold.Host, err = g.hostFor(ctx, tx, inv.key(), hold.Start, hold.End); err != nil {
		return 0, err
	}
	if err := g.saveBooking(ctx, tx, &hold); err != nil {
		return 0, fmt.Errorf("hold the proposed slot: %w", err)
	}
	view := g.mailView(inv, v, ev, ev.Start, ev.End)
	view.Counter = &Slot{slot.Start, slot.End}
	view.CounterHold = g.opt.Policy.CounterHold
	text, err := g.opt.Renderer.Render(g.opt.Lang, TmplCounter, view)
	if err != nil {
		return 0, fmt.Errorf("render %s mail: %w", TmplCounter, err)
	}
	att := ev.Attendee(func(addr string) bool { return g.opt.roomFor(addr) != nil })
	if att == nil {
		att = inv.attendee
	}
	stamp, err := g.itipStamp(ctx, tx, inv.uid, inv.organizer) // after the decline's
	if err != nil {
		return 0, err
	}
	cal := ical.BuildCounter(ical.CounterItem{Event: ev, Attendee: att, Start: slot.Start, End: slot.End,
		Comment: text.Subject}, stamp, g.opt.ProdID)
	from := Address{Name: inv.room.Name, Addr: g.roomAttendee(inv)}
	to := Address{Name: inv.organizerName, Addr: inv.organizer}
	raw := composeReply(composeInput{From: from, To: to, Text: text, Calendar: cal, Method: "COUNTER",
		InReplyTo: a.env.MessageID, References: a.env.References, Date: now})
	m := OutboxMail{MessageKey: a.key, UID: inv.uid, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: stamp, Kind: OutboxReply}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return 0, fmt.Errorf("queue the counter-proposal: %w", err)
	}
	return 1, nil
}

// nearestSlot returns the proposal whose start is nearest to at.
func nearestSlot(ss []Slot, at time.Time) (Slot, bool) {
	if len(ss) == 0 {
		return Slot{}, false
	}
	best := ss[0]
	for _, s := range ss[1:] {
		if s.Start.Sub(at).Abs() < best.Start.Sub(at).Abs() {
			best = s
		}
	}
	return best, true
}

// handleDeclineCounter releases the slots held for a meeting's proposals
// when its organizer declines them (RFC 5546 §3.2.8). Like a CANCEL, it
// must come from the organizer, and gets no answer.
func (g *Gateway) handleDeclineCounter(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindOtherCalendar, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed,
		Reason: "no proposal of the room to decline"}
	released := 0
	for _, ev := range a.cal.Events {
		org, sentBy, err := organizerOfEvent(ev)
		if err != nil {
			return Outcome{Kind: KindOtherCalendar, Action: ActionRejected, UID: printable(ev.UID), Folder: FolderRejected,
				Reason: printable("DECLINECOUNTER: " + err.Error())}, nil
		}
		if why := g.senderProblem(a, org, sentBy); why != "" {
			return g.rejectForged(ctx, tx, a, ev.UID, org, why)
		}
		existing, err := tx.BookingsOf(ctx, org, ev.UID)
		if err != nil {
			return Outcome{}, fmt.Errorf("read bookings: %w", err)
		}
		for _, b := range existing {
			if b.Status != StatusHeld {
				continue
			}
			a.noteChange(&b, nil)
			b.Status, b.Reason, b.UpdatedAt = StatusCancelled, "the organizer declined the proposal", g.opt.Now().UTC()
			if err := g.saveBooking(ctx, tx, &b); err != nil {
				return Outcome{}, fmt.Errorf("release the proposed slot: %w", err)
			}
			released++
		}
	}
	if released > 0 {
		out.Action, out.Reason = ActionCancelled, fmt.Sprintf("the organizer declined the proposal: %d slot(s) released", released)
	}
	return out, nil
}
