package gateway

import (
	"context"
	"fmt"

	"codeberg.org/opteos/roomgate/ical"
)

// handleCancel frees the slots of a cancelled meeting or of some of its
// occurrences (RFC 5546 §3.2.5). A CANCEL is never answered. Every
// component must name its ORGANIZER as one mailbox, and, when the policy
// requires authentic mail, the message must come from that organizer.
func (g *Gateway) handleCancel(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindCancel, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed}
	orgs := make([]string, len(a.cal.Events))
	for i, ev := range a.cal.Events {
		org, sentBy, err := organizerOfEvent(ev)
		if err != nil {
			return Outcome{Kind: KindCancel, Action: ActionRejected, UID: printable(ev.UID), Folder: FolderRejected,
				Reason: printable("cancellation: " + err.Error())}, nil
		}
		if why := g.senderProblem(a, org, sentBy); why != "" {
			return g.rejectForged(ctx, tx, a, ev.UID, org, why)
		}
		orgs[i] = org
	}
	for i, ev := range a.cal.Events {
		if why, err := g.staleness(ctx, tx, orgs[i], ev.UID, []*ical.Event{ev}); err != nil || why != "" {
			out.Reason = why
			return out, err
		}
	}
	total, staleWhy := 0, ""
	for i, ev := range a.cal.Events {
		// The whole meeting: its master's version was checked above, and
		// a date's own later version (an override edited since, SEQUENCE
		// 2 where the master has 1) goes with the rest, as the
		// organizer's calendar removes it.
		cancel := g.cancelBookings
		if ev.RecurrenceID == nil {
			if known, err := masterVersionKnown(ctx, tx, orgs[i], ev.UID); err != nil {
				return Outcome{}, err
			} else if known {
				cancel = g.cancelAll
			}
		}
		if err := g.saveVersions(ctx, tx, orgs[i], ev.UID, []*ical.Event{ev}); err != nil {
			return Outcome{}, err
		}
		existing, err := tx.BookingsOf(ctx, orgs[i], ev.UID)
		if err != nil {
			return Outcome{}, fmt.Errorf("read bookings: %w", err)
		}
		var only map[string]bool
		if ev.RecurrenceID != nil {
			only = occurrenceKeys(existing, ev.RecurrenceID)
		}
		n, why, err := cancel(ctx, tx, a, existing, orgs[i], ev, only, "cancelled by the organizer")
		if err != nil {
			return Outcome{}, err
		}
		if staleWhy == "" {
			staleWhy = why
		}
		if n > 0 && (ev.RecurrenceID == nil || ev.RecurrenceID.ThisAndFuture) {
			// The series ends: no later date is to be decided.
			if err := tx.DeleteOpenSeries(ctx, orgs[i], ev.UID); err != nil {
				return Outcome{}, err
			}
		}
		total += n
		if n > 0 && out.Start.IsZero() {
			out.Start, out.End = ev.Start, ev.End
		}
	}
	if total == 0 {
		out.Reason = "no booking of this meeting to cancel"
		if staleWhy != "" {
			out.Reason = staleWhy
		}
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
// selects (all when only is nil), provided they belong to org, have not
// ended, and ev is not older than them. A date that took place stays as
// it was, as when a new version replaces a series: it is history, and its
// recording reminder still goes out. It returns how many were freed and,
// when some were left because ev is older, why.
func (g *Gateway) cancelBookings(ctx context.Context, tx Tx, a *analysis, existing []Booking, org string, ev *ical.Event, only map[string]bool, reason string) (int, string, error) {
	return g.cancelDates(ctx, tx, a, existing, org, ev, only, reason, true)
}

// cancelAll is cancelBookings without comparing ev with each booking's own
// version: for a CANCEL of the whole meeting, whose master's version was
// checked (Gateway.staleness).
func (g *Gateway) cancelAll(ctx context.Context, tx Tx, a *analysis, existing []Booking, org string, ev *ical.Event, only map[string]bool, reason string) (int, string, error) {
	return g.cancelDates(ctx, tx, a, existing, org, ev, only, reason, false)
}

// cancelDates is cancelBookings; versions says whether a booking of a
// newer version than ev is kept.
func (g *Gateway) cancelDates(ctx context.Context, tx Tx, a *analysis, existing []Booking, org string, ev *ical.Event, only map[string]bool, reason string, versions bool) (int, string, error) {
	n, stale, now := 0, "", g.opt.Now()
	for i := range existing {
		b := existing[i]
		if b.Status == StatusCancelled || (only != nil && !only[b.RecurrenceID]) || !b.End.After(now) {
			continue
		}
		if b.Organizer != org || (versions && newer(b.Sequence, b.DTStamp, ev.Sequence, ev.DTStamp)) {
			if b.Organizer == org && stale == "" {
				stale = fmt.Sprintf("stale: SEQUENCE %d < %d", ev.Sequence, b.Sequence)
				if ev.Sequence == b.Sequence {
					stale = fmt.Sprintf("stale: SEQUENCE %d, DTSTAMP %s < %s", ev.Sequence, stampText(ev.DTStamp), stampText(b.DTStamp))
				}
			}
			continue
		}
		a.noteChange(&b, nil)
		b.Status, b.Reason, b.Sequence, b.DTStamp = StatusCancelled, reason, ev.Sequence, ev.DTStamp.UTC()
		b.MessageID, b.UpdatedAt = a.env.MessageID, g.opt.Now().UTC()
		if err := g.saveBooking(ctx, tx, &b); err != nil {
			return n, "", fmt.Errorf("cancel booking: %w", err)
		}
		n++
	}
	return n, stale, nil
}

// masterVersionKnown reports whether the version of the meeting's master
// was recorded (meetings decided before versions were kept have none: their
// bookings' own versions are compared instead).
func masterVersionKnown(ctx context.Context, tx Tx, org, uid string) (bool, error) {
	vs, err := tx.Versions(ctx, org, uid)
	if err != nil {
		return false, fmt.Errorf("read versions: %w", err)
	}
	for _, v := range vs {
		if v.RecurrenceID == "" {
			return true, nil
		}
	}
	return false, nil
}
