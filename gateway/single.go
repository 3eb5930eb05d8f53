package gateway

import (
	"context"
	"fmt"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// handleRequest answers an iTIP REQUEST (RFC 5546 §3.2.2).
func (g *Gateway) handleRequest(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	inv, err := g.readInvitation(a.cal)
	if err != nil {
		out := Outcome{Kind: KindRequest, Action: ActionRejected, UID: firstUID(a), Reason: printable(err.Error()), Folder: FolderRejected}
		return g.answerUnreadable(ctx, tx, a, out)
	}
	if inv == nil {
		return g.roomNotInvited(ctx, tx, a)
	}
	out := Outcome{Kind: KindRequest, UID: inv.uid, Folder: FolderProcessed, Room: inv.room.Address}
	if g.mustNotAnswer(inv.organizer) {
		out.Action, out.Reason = ActionIgnored, fmt.Sprintf("organizer %s never gets automatic replies", inv.organizer)
		return out, nil
	}
	if why := g.senderProblem(a, inv.organizer, inv.sentBy); why != "" {
		return g.rejectForged(ctx, tx, a, inv.uid, inv.organizer, why)
	}
	inv.actor = g.actorFor(a, inv.organizer)
	if !g.admitted(a, inv) {
		return g.declineOutsider(ctx, tx, a, inv, out)
	}
	if err := g.prefetch(ctx, tx, a, inv); err != nil {
		return Outcome{}, err
	}
	if why, err := g.staleness(ctx, tx, inv.organizer, inv.uid, inv.events); err != nil || why != "" {
		out.Action, out.Reason = ActionIgnored, why
		return out, err
	}
	if inv.handedOver, err = g.handOver(ctx, tx, a, inv); err != nil {
		return Outcome{}, err
	}
	if err := g.loadHolds(ctx, tx, inv); err != nil {
		return Outcome{}, err
	}
	out, err = g.decideRequest(ctx, tx, a, inv, out)
	out.Queued += inv.handoverMails
	if err != nil || out.Action == ActionRejected {
		return out, err
	}
	if inv.handedOver != "" {
		out.Reason = "handed over from " + inv.handedOver + ": " + out.Reason
	}
	return out, g.saveVersions(ctx, tx, inv.organizer, inv.uid, inv.events)
}

// decideRequest decides an invitation of a member that is not stale.
func (g *Gateway) decideRequest(ctx context.Context, tx Tx, a *analysis, inv *invitation, out Outcome) (Outcome, error) {
	if inv.master == nil || inv.master.IsRecurring() || len(inv.events) > 1 {
		return g.handleSeries(ctx, tx, a, inv)
	}
	ev := inv.master
	out.Start, out.End = ev.Start, ev.End
	// Every booking of the meeting counts: it may have been a series before.
	existing, err := tx.BookingsOf(ctx, inv.organizer, inv.uid)
	if err != nil {
		return Outcome{}, fmt.Errorf("read bookings: %w", err)
	}
	for _, b := range existing {
		if newer(b.Sequence, b.DTStamp, ev.Sequence, ev.DTStamp) {
			out.Action, out.Reason = ActionIgnored, fmt.Sprintf("stale: SEQUENCE %d < %d", ev.Sequence, b.Sequence)
			return out, nil
		}
	}
	prev := findBooking(existing, "")
	if prev != nil && prev.Sequence == ev.Sequence && prev.Status != StatusCancelled && prev.Start.Equal(ev.Start) && prev.End.Equal(ev.End) {
		return g.minorUpdate(ctx, tx, a, inv, prev, out)
	}
	if err := g.dropOccurrences(ctx, tx, a, inv, existing); err != nil {
		return Outcome{}, err
	}
	// A series without end is kept only beside its bookings: a UID
	// without any has none to forget.
	if len(existing) > 0 {
		if err := tx.DeleteOpenSeries(ctx, inv.organizer, inv.uid); err != nil {
			return Outcome{}, err
		}
	}
	// A facilitator's approval holds as long as the slot does.
	if prev != nil {
		inv.prevHost = prev.Host
	}
	inv.approved = prev != nil && prev.Status == StatusAccepted && prev.Approval != "" &&
		prev.Start.Equal(ev.Start) && prev.End.Equal(ev.End)
	v, err := g.checkSlot(ctx, tx, inv, ev.Start, ev.End)
	if err != nil {
		return Outcome{}, err
	}
	b := g.newBooking(a, inv, ev, "", v)
	if inv.approved && b.Status == StatusAccepted {
		b.Approval = prev.Approval
	}
	quiet := sameAnswer(prev, ev.Start, ev.End, v) && inv.handedOver == ""
	if prev != nil {
		b.ID, b.CreatedAt = prev.ID, prev.CreatedAt
	}
	if b.Status == StatusPending {
		b.Approval = a.approvalFor(prev, quiet)
	}
	a.noteChange(prev, &b)
	if err := g.saveBooking(ctx, tx, &b); err != nil {
		return Outcome{}, fmt.Errorf("save booking: %w", err)
	}
	out.Action, out.Reason = actionOf(v), v.text
	tmpl := template(v)
	if quiet {
		tmpl = TmplUpdate
	}
	items := []ical.ReplyItem{g.replyItem(inv, ev, v)}
	view := g.mailView(inv, v, ev, ev.Start, ev.End)
	if v.reason == ReasonConflict && v.tool == "" && tmpl != TmplUpdate && g.mayCounter(a) && inv.mayHold() {
		if s, ok := nearestSlot(v.suggestions, ev.Start); ok {
			view.Counter, view.CounterHold = &s, g.opt.Policy.CounterHold
		}
	}
	if out, err = g.answer(ctx, tx, a, inv, out, tmpl, view, items); err != nil {
		return out, err
	}
	if a.nonce != "" && out.Queued > 0 { // none when the limits on replies held the member's back
		n, err := g.askApproval(ctx, tx, a, inv)
		out.Queued += n
		return out, err
	}
	if view.Counter == nil || out.Queued == 0 {
		return out, err
	}
	n, err := g.offerCounter(ctx, tx, a, inv, ev, "", v)
	out.Queued += n
	return out, err
}

// sameAnswer reports whether deciding [s, e) again gave the answer the
// member already has: the booking was not cancelled, its slot is the same,
// and so are its status (accepted, pending, declined or waiting) and reason. The calendar still needs the REPLY of
// the new version, but the member only needs a one-line mail
// (TmplUpdate): an edit that added the join link, a description or guests
// must not bring a second full mail.
func sameAnswer(prev *Booking, s, e time.Time, v verdict) bool {
	if prev == nil || prev.Status == StatusCancelled || !prev.Start.Equal(s) || !prev.End.Equal(e) {
		return false
	}
	if v.accepted {
		return prev.Status == statusOf(v)
	}
	// A request waiting for its slot (StatusWaiting) is declined too: it
	// keeps its answer when it still waits for the same reason.
	code, _ := splitReason(prev.Reason)
	return prev.Status == statusOf(v) && code == v.reason
}

// minorUpdate answers a re-sent or slightly changed invitation (same
// SEQUENCE, same slot) with the answer already given, without deciding
// again (RFC 5546 §2.1.5): the REPLY, with the one-line mail TmplUpdate.
func (g *Gateway) minorUpdate(ctx context.Context, tx Tx, a *analysis, inv *invitation, prev *Booking, out Outcome) (Outcome, error) {
	ev := inv.master
	b := *prev
	b.Summary, b.DTStamp, b.MessageID, b.UpdatedAt = storedText(ev.Summary, maxSummaryLen), ev.DTStamp, a.env.MessageID, g.opt.Now().UTC()
	if err := g.saveBooking(ctx, tx, &b); err != nil {
		return Outcome{}, fmt.Errorf("save booking: %w", err)
	}
	v := verdictOf(prev)
	out.Action, out.Reason = actionOf(v), "minor update, answered as before: "+v.text
	tmpl := TmplUpdate
	if inv.handedOver != "" { // the new organizer has no answer yet
		tmpl = template(v)
	}
	return g.answer(ctx, tx, a, inv, out, tmpl, g.mailView(inv, v, ev, ev.Start, ev.End), []ical.ReplyItem{g.replyItem(inv, ev, v)})
}

// dropOccurrences frees the dates ahead that a series of the same UID
// held: the meeting is now a single event.
func (g *Gateway) dropOccurrences(ctx context.Context, tx Tx, a *analysis, inv *invitation, existing []Booking) error {
	drop, now := map[string]bool{}, g.opt.Now()
	for _, b := range existing {
		if b.RecurrenceID != "" && b.Status != StatusCancelled && b.End.After(now) {
			drop[b.RecurrenceID] = true
		}
	}
	if len(drop) == 0 {
		return nil
	}
	_, _, err := g.cancelBookings(ctx, tx, a, existing, inv.organizer, inv.master, drop, "no longer part of the meeting")
	return err
}

// holdsAny reports whether some booking is not cancelled.
func holdsAny(bs []Booking) bool {
	for _, b := range bs {
		if b.Status != StatusCancelled {
			return true
		}
	}
	return false
}

// roomNotInvited handles a REQUEST that names no room: when it updates a
// meeting the room had booked, the room was removed, so its slots are
// freed. Nothing is sent either way.
func (g *Gateway) roomNotInvited(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindRequest, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed,
		Reason: "no configured room is an attendee"}
	ev := a.cal.Events[0]
	org, sentBy, err := organizerOfEvent(ev)
	if err != nil {
		return out, nil // names nobody the room knows
	}
	existing, err := tx.BookingsOf(ctx, org, ev.UID)
	if err != nil {
		return Outcome{}, fmt.Errorf("read bookings: %w", err)
	}
	if !holdsAny(existing) {
		return out, nil
	}
	if why := g.senderProblem(a, org, sentBy); why != "" {
		return g.rejectForged(ctx, tx, a, ev.UID, org, why)
	}
	if why, err := g.staleness(ctx, tx, org, ev.UID, a.cal.Events); err != nil || why != "" {
		out.Reason = why
		return out, err
	}
	if err := g.saveVersions(ctx, tx, org, ev.UID, a.cal.Events); err != nil {
		return Outcome{}, err
	}
	n, _, err := g.cancelBookings(ctx, tx, a, existing, org, ev, nil, "the room was removed from the meeting")
	if err != nil || n == 0 {
		return out, err
	}
	if err := tx.DeleteOpenSeries(ctx, org, ev.UID); err != nil {
		return Outcome{}, err
	}
	out.Action, out.Reason = ActionCancelled, fmt.Sprintf("room removed from the meeting: %d booking(s) freed", n)
	return out, nil
}

func actionOf(v verdict) Action {
	switch {
	case v.pending:
		return ActionPending
	case v.accepted:
		return ActionAccepted
	}
	return ActionDeclined
}

func findBooking(bs []Booking, rid string) *Booking {
	for i := range bs {
		if bs[i].RecurrenceID == rid {
			return &bs[i]
		}
	}
	return nil
}

// newBooking builds the booking row for one decided slot.
func (g *Gateway) newBooking(a *analysis, inv *invitation, ev *ical.Event, rid string, v verdict) Booking {
	now := g.opt.Now().UTC()
	st := statusOf(v)
	var req []byte
	if st == StatusWaiting || st == StatusPending {
		req = a.calData // its Approval is set by the caller
	}
	return Booking{UID: inv.uid, RecurrenceID: rid, Room: inv.room.Address, Organizer: inv.organizer, Actor: inv.sender(),
		OrganizerName: inv.organizerName, Summary: storedText(ev.Summary, maxSummaryLen), Start: ev.Start.UTC(), End: ev.End.UTC(),
		Sequence: ev.Sequence, DTStamp: ev.DTStamp.UTC(), Status: st, Reason: joinReason(v), MessageID: a.env.MessageID,
		Lang: g.opt.Lang, CreatedAt: now, UpdatedAt: now, Request: req,
		Host: v.host, Provider: v.tool, ToolRoom: v.toolRoom, Options: inv.options}
}
