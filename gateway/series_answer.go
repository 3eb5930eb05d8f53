package gateway

import (
	"context"
	"fmt"

	"codeberg.org/opteos/roomgate/ical"
)

// saveDates records the decided dates, and cancels the dates the request
// no longer asks for: removed ones, and, when the request holds the
// master (a full version of the meeting), every future date it dropped.
func (g *Gateway) saveDates(ctx context.Context, tx Tx, a *analysis, inv *invitation, ds []dated, existing []Booking, removed map[string]bool) error {
	keep := map[string]bool{}
	var save []*Booking
	fresh := freshApproval(ds, existing)
	for _, d := range ds {
		keep[d.key] = true
		prev := findBooking(existing, d.key)
		if d.carried && prev != nil && prev.Status == statusOf(d.v) && !(fresh && d.v.pending) {
			continue
		}
		b := g.newBooking(a, inv, d.ev, d.key, d.v)
		b.Start, b.End = d.start.UTC(), d.end.UTC()
		if prev != nil {
			b.ID, b.CreatedAt = prev.ID, prev.CreatedAt
			if d.carried {
				b.Sequence, b.DTStamp = prev.Sequence, prev.DTStamp
			}
		}
		if b.Status == StatusPending {
			b.Approval = a.approvalFor(prev, !fresh)
		}
		a.noteChange(prev, &b)
		save = append(save, &b)
	}
	if err := g.saveBookings(ctx, tx, save); err != nil {
		return fmt.Errorf("save bookings: %w", err)
	}
	now := g.opt.Now()
	drop := map[string]bool{}
	for _, b := range existing {
		dropped := inv.master != nil && !keep[b.RecurrenceID] && b.End.After(now)
		if b.Status != StatusCancelled && (removed[b.RecurrenceID] || dropped) {
			drop[b.RecurrenceID] = true
		}
	}
	if len(drop) == 0 {
		return nil
	}
	ev := inv.master
	if ev == nil {
		ev = inv.events[0]
	}
	_, _, err := g.cancelBookings(ctx, tx, a, existing, inv.organizer, ev, drop, "no longer part of the meeting")
	return err
}

// answerSeries queues the REPLY and the member's mail for a series; when
// the answer is the one the member already has (quiet), the mail is the
// one-line TmplUpdate.
func (g *Gateway) answerSeries(ctx context.Context, tx Tx, a *analysis, inv *invitation, out Outcome, ds []dated, quiet bool) (Outcome, error) {
	accepted, declined, pending := 0, 0, []string(nil)
	for _, d := range ds {
		switch {
		case d.v.pending:
			pending = mergeRules(pending, d.v.approval)
			fallthrough
		case d.v.accepted:
			accepted++
		default:
			declined++
		}
	}
	if len(ds) == 0 {
		out.Action, out.Reason = ActionIgnored, "no date of this meeting lies ahead inside the booking window"
		return out, nil
	}
	out.Start, out.End = ds[0].start, ds[0].end
	out.Action = ActionAccepted
	out.Reason = fmt.Sprintf("%d date(s) accepted, %d declined", accepted, declined)
	first := verdict{accepted: accepted > 0}
	if pending != nil {
		first = freeVerdict(pending)
		out.Action = ActionPending
		out.Reason = fmt.Sprintf("%d date(s) pending approval (%s), %d declined", accepted, first.text, declined)
	}
	if accepted == 0 {
		out.Action = ActionDeclined
		first = ds[0].v
		for _, d := range ds {
			if d.v.reason == ReasonSeriesBusy { // declined whole for its busy dates
				first = d.v
				break
			}
		}
	}
	first.host = seriesHost(ds)
	view := g.mailView(inv, first, ds[0].ev, ds[0].start, ds[0].end)
	g.otherHosts(&view, inv.room, ds, first.host)
	if inv.master != nil {
		view.Summary = storedText(inv.master.Summary, maxSummaryLen)
	}
	view.Series, view.Dates = true, len(ds)
	view.Declined, view.ToolDates = g.declinedDates(ds), g.toolDates(ds)
	if len(view.ToolDates) > 0 {
		view.Tool = nil // the first date's room: ToolDates lists each date's
	}
	for _, d := range ds {
		view.Waiting = view.Waiting || d.v.wait
		if d.v.holdsFull && !view.HoldsFull && !quotaReason(view.Reason) && view.Reason != ReasonHolds {
			view.HoldsFull, view.Quota = true, d.v.quota
		}
	}
	if inv.master != nil && inv.master.IsRecurring() {
		view.Recurrence = recurrenceOf(ds, g.opt.Location, openEnded(inv.master))
	}
	tmpl := template(first)
	if quiet {
		tmpl = TmplUpdate
	}
	return g.answer(ctx, tx, a, inv, out, tmpl, view, g.seriesItems(inv, ds, first))
}

// freshApproval reports whether a decision of dates asks the facilitators
// anew: some date is left pending that was not already pending, as it
// is, under a nonce of its own.
func freshApproval(ds []dated, existing []Booking) bool {
	for _, d := range ds {
		if !d.v.pending {
			continue
		}
		prev := findBooking(existing, d.key)
		if prev == nil || prev.Status != StatusPending || prev.Approval == "" || !sameAnswer(prev, d.start, d.end, d.v) {
			return true
		}
	}
	return false
}

// declinedDates lists, for the member's mail, the dates declined because
// they are busy or against the policy, in the display zone.
func (g *Gateway) declinedDates(ds []dated) []DateDecision {
	loc := g.opt.Location
	var out []DateDecision
	for _, d := range ds {
		if d.v.accepted || d.v.tool != "" || d.v.reason == ReasonSeriesBusy { // list only the dates that are busy (toolDates lists those held on a tool)
			continue
		}
		dd := DateDecision{When: Slot{d.start.In(loc), d.end.In(loc)}, Reason: d.v.reason}
		for _, b := range d.v.conflicts {
			dd.Conflicts = append(dd.Conflicts, Slot{b.Start.In(loc), b.End.In(loc)})
		}
		if len(d.v.suggestions) > 0 {
			dd.Suggestion = &d.v.suggestions[0]
		}
		out = append(out, dd)
	}
	return out
}

// seriesItems builds the REPLY's components (RFC 5546 §3.2.3): the master
// ACCEPTED or DECLINED, then one component per date that differs from it
// or that the request sent as an override.
func (g *Gateway) seriesItems(inv *invitation, ds []dated, master verdict) []ical.ReplyItem {
	var items []ical.ReplyItem
	recurring := inv.master != nil && inv.master.IsRecurring()
	if recurring {
		items = append(items, g.replyItem(inv, inv.master, master))
	}
	same := func(v verdict) bool { return partStat(v) == partStat(master) }
	for _, d := range ds {
		switch {
		case d.ranged:
			// A date moved by an override with RANGE=THISANDFUTURE: the
			// master's answer covers it unless this date differs.
			if recurring && same(d.v) {
				continue
			}
			form := d.ev
			if recurring {
				form = inv.master
			}
			it := g.replyItem(inv, d.ev, d.v)
			it.RecurrenceID, it.Start = form.RecurrenceIDFor(d.rid), form.RecurrenceIDFor(d.start)
			items = append(items, it)
		case d.override || !recurring:
			items = append(items, g.replyItem(inv, d.ev, d.v))
		case !same(d.v):
			it := g.replyItem(inv, inv.master, d.v)
			it.RecurrenceID = inv.master.RecurrenceIDFor(d.rid)
			items = append(items, it)
		}
	}
	return items
}

// declineWhole declines every date of the request for one reason that
// applies to all of them, and releases what the meeting held.
func (g *Gateway) declineWhole(ctx context.Context, tx Tx, a *analysis, inv *invitation, out Outcome, v verdict) (Outcome, error) {
	if err := tx.DeleteOpenSeries(ctx, inv.organizer, inv.uid); err != nil {
		return Outcome{}, err
	}
	existing, err := tx.BookingsOf(ctx, inv.organizer, inv.uid)
	if err != nil {
		return Outcome{}, fmt.Errorf("read bookings: %w", err)
	}
	for _, b := range existing {
		if b.Status != StatusAccepted {
			continue
		}
		a.noteChange(&b, nil)
		b.Status, b.Reason, b.MessageID, b.UpdatedAt = StatusDeclined, joinReason(v), a.env.MessageID, g.opt.Now().UTC()
		if err := g.saveBooking(ctx, tx, &b); err != nil {
			return Outcome{}, fmt.Errorf("save booking: %w", err)
		}
	}
	var items []ical.ReplyItem
	for _, ev := range inv.events {
		items = append(items, g.replyItem(inv, ev, v))
	}
	ev := inv.events[0]
	out.Action, out.Reason, out.Start, out.End = ActionDeclined, v.text, ev.Start, ev.End
	view := g.mailView(inv, v, ev, ev.Start, ev.End)
	view.Series = inv.master != nil && inv.master.IsRecurring()
	if view.Series {
		view.Recurrence = g.namedSeries(inv)
	}
	return g.answer(ctx, tx, a, inv, out, TmplDecline, view, items)
}

// seriesUnchanged reports whether a series' new version leaves every date
// as the member already knows it: each date was booked before with the
// same slot and the same answer, and no date ahead was dropped (a version
// without master drops none: it only updates the dates it holds).
func (g *Gateway) seriesUnchanged(inv *invitation, p *seriesPlan) bool {
	if len(p.dates) == 0 || len(p.removed) > 0 {
		return false
	}
	asked := make(map[string]bool, len(p.dates))
	for _, d := range p.dates {
		asked[d.key] = true
		if !sameAnswer(findBooking(p.existing, d.key), d.start, d.end, d.v) {
			return false
		}
	}
	if inv.master == nil {
		return true
	}
	now := g.opt.Now()
	for _, b := range p.existing {
		if b.Status != StatusCancelled && b.End.After(now) && !asked[b.RecurrenceID] {
			return false
		}
	}
	return true
}

// seriesHost is the host of a series' first date booked on Zoom: the one
// its mail gives.
func seriesHost(ds []dated) string {
	for _, d := range ds {
		if d.v.accepted && d.v.tool == "" {
			return d.v.host
		}
	}
	return ""
}

// otherHosts lists in an accepted series' mail the dates held with
// another host than host, each with that host's room and key.
func (g *Gateway) otherHosts(view *MailView, room *Room, ds []dated, host string) {
	if g.hosts().legacy || !view.Accepted {
		return
	}
	loc := g.opt.Location
	for _, d := range ds {
		if !d.v.accepted || d.v.pending || d.v.tool != "" || d.v.host == host {
			continue
		}
		var mv MailView
		g.hostView(&mv, room, &Booking{Host: d.v.host})
		view.OtherHosts = append(view.OtherHosts, HostDate{When: Slot{d.start.In(loc), d.end.In(loc)}, Room: mv.Room, HostKey: mv.HostKey})
	}
}
