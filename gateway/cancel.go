package gateway

import (
	"context"
	"fmt"

	"codeberg.org/opteos/roomgate/ical"
)

// handleCancel frees the slots of a cancelled meeting or of some of its
// occurrences (RFC 5546 §3.2.5). A CANCEL is never answered.
func (g *Gateway) handleCancel(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindCancel, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed}
	total := 0
	for _, ev := range a.cal.Events {
		existing, err := tx.BookingsByUID(ctx, ev.UID)
		if err != nil {
			return Outcome{}, fmt.Errorf("read bookings: %w", err)
		}
		var only map[string]bool
		if ev.RecurrenceID != nil {
			only = occurrenceKeys(existing, ev.RecurrenceID)
		}
		n, err := g.cancelBookings(ctx, tx, a, existing, ev, only, "cancelled by the organizer")
		if err != nil {
			return Outcome{}, err
		}
		if n > 0 && (ev.RecurrenceID == nil || ev.RecurrenceID.ThisAndFuture) {
			// The series ends: no later date is to be decided.
			if err := tx.DeleteOpenSeries(ctx, ev.UID); err != nil {
				return Outcome{}, err
			}
		}
		total += n
		if n > 0 && out.start.IsZero() {
			out.start, out.end = ev.Start, ev.End
		}
	}
	if total == 0 {
		out.Reason = "no booking of this meeting to cancel"
		return out, nil
	}
	out.Action, out.Reason = ActionCancelled, fmt.Sprintf("%d booking(s) freed", total)
	return out, nil
}

// occurrenceKeys selects the bookings a RECURRENCE-ID names: that
// occurrence, or with RANGE=THISANDFUTURE that one and every later one.
// RECURRENCE-IDs are compared as instants (RFC 5545 §3.8.4.4).
func occurrenceKeys(existing []Booking, rid *ical.RecurrenceID) map[string]bool {
	key := RecurrenceKey(rid.Time)
	keys := map[string]bool{key: true}
	if !rid.ThisAndFuture {
		return keys
	}
	for _, b := range existing {
		if b.RecurrenceID != "" && b.RecurrenceID >= key {
			keys[b.RecurrenceID] = true
		}
	}
	return keys
}

// cancelBookings marks as cancelled the bookings of existing that only
// selects (all when only is nil), provided ev comes from their organizer
// and is not older than them. It returns how many were freed.
func (g *Gateway) cancelBookings(ctx context.Context, tx Tx, a *analysis, existing []Booking, ev *ical.Event, only map[string]bool, reason string) (int, error) {
	if ev.Organizer == nil {
		return 0, nil
	}
	org, n := ev.Organizer.Address(), 0
	for i := range existing {
		b := existing[i]
		if b.Status == StatusCancelled || (only != nil && !only[b.RecurrenceID]) {
			continue
		}
		if b.Organizer != org || newer(b.Sequence, b.DTStamp, ev.Sequence, ev.DTStamp) {
			g.log.Warn("cancel not applied", "uid", b.UID, "recurrence_id", b.RecurrenceID,
				"organizer", org, "booked_by", b.Organizer, "sequence", ev.Sequence, "booked_sequence", b.Sequence)
			continue
		}
		b.Status, b.Reason, b.Sequence, b.DTStamp = StatusCancelled, reason, ev.Sequence, ev.DTStamp.UTC()
		b.MessageID, b.UpdatedAt = a.env.MessageID, g.opt.Now().UTC()
		if err := tx.SaveBooking(ctx, &b); err != nil {
			return n, fmt.Errorf("cancel booking: %w", err)
		}
		n++
	}
	return n, nil
}
