package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// openEnded reports whether a series master has no end: an RRULE without
// COUNT or UNTIL (RFC 5545 §3.3.10). Its dates are decided up to the end
// of the booking window, and the later ones as the window reaches them.
func openEnded(master *ical.Event) bool {
	r := strings.ToUpper(master.RRule)
	return r != "" && !strings.Contains(r, "COUNT=") && !strings.Contains(r, "UNTIL=")
}

// keepOpenSeries records, or forgets, the calendar of a series without end
// after its dates up to the booking window were decided.
// Its horizon is the end of the booking window, or, when the organizer's
// quota of open-series dates cut the decided dates short, their end.
func (g *Gateway) keepOpenSeries(ctx context.Context, tx Tx, a *analysis, inv *invitation, ds []dated, horizon time.Time) error {
	if inv.master == nil {
		return nil // occurrences only: the series, if any, is unchanged
	}
	accepted := false
	for _, d := range ds {
		accepted = accepted || d.v.accepted
	}
	if !openEnded(inv.master) || (!accepted && horizon.IsZero()) {
		return tx.DeleteOpenSeries(ctx, inv.organizer, inv.uid)
	}
	if horizon.IsZero() {
		horizon = g.opt.Now().Add(g.opt.Policy.BookingWindow)
	}
	return tx.SaveOpenSeries(ctx, OpenSeries{UID: inv.uid, Organizer: inv.organizer, Room: inv.room.Address,
		Calendar: a.calData, MessageID: a.env.MessageID, Horizon: horizon})
}

// extendStep is how far the window must have moved before a series is
// looked at again.
const extendStep = time.Hour

// ExtendSeries decides the dates of open-ended series that the booking
// window has reached since they were last decided. A date found busy (two
// series without end meeting far ahead, say) is declined: its organizer
// gets a REPLY declining that RECURRENCE-ID and a mail listing the dates.
// It returns how many series were extended.
func (g *Gateway) ExtendSeries(ctx context.Context) (int, error) {
	looked, err := g.extendDue(ctx)
	return len(looked), err
}

// extendBatch is how many series one transaction of ExtendSeries looks at.
const extendBatch = 20

// extendDue looks at up to extendBatch series due and returns their keys
// (organizer and UID).
func (g *Gateway) extendDue(ctx context.Context) ([]string, error) {
	var looked []string
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		looked = looked[:0] // a retried transaction starts again
		now := g.opt.Now()
		due, err := tx.OpenSeriesDue(ctx, now.Add(g.opt.Policy.BookingWindow-extendStep), extendBatch)
		if err != nil {
			return err
		}
		for _, s := range due {
			if err := g.extendOne(ctx, tx, s, now.Add(g.opt.Policy.BookingWindow)); err != nil {
				return fmt.Errorf("extend series %s: %w", s.UID, err)
			}
			looked = append(looked, s.Organizer+"\x00"+s.UID)
		}
		return nil
	})
	return looked, err
}

// CatchUpSeries extends every series due now, batch after batch, as the
// daemon's periodic ExtendSeries would have done by now: `roomgate
// process -now T` calls it first, so that a message replayed at T meets
// the dates T's booking window reached. A series that cannot move (it
// awaits a facilitator, or its organizer's quota is full) is saved again
// at the back of the queue; once a batch holds only series already looked
// at, nothing else is due. It returns how many series were looked at.
func (g *Gateway) CatchUpSeries(ctx context.Context) (int, error) {
	seen := map[string]bool{}
	for {
		looked, err := g.extendDue(ctx)
		if err != nil {
			return len(seen), err
		}
		fresh := false
		for _, k := range looked {
			fresh = fresh || !seen[k]
			seen[k] = true
		}
		if len(looked) < extendBatch || !fresh {
			return len(seen), nil
		}
	}
}

// extendOne decides the dates of one series from its horizon to the new one.
func (g *Gateway) extendOne(ctx context.Context, tx Tx, s OpenSeries, horizon time.Time) error {
	a := &analysis{key: fmt.Sprintf("extend:%s:%s:%s", s.Organizer, s.UID, horizon.UTC().Format(time.RFC3339)),
		env: envelope{MessageID: s.MessageID}}
	cal, err := ical.Parse(s.Calendar, ical.ParseOptions{Location: g.opt.Location})
	if err != nil {
		return tx.DeleteOpenSeries(ctx, s.Organizer, s.UID) // cannot happen for a stored calendar; never retry it
	}
	a.cal, a.calData = cal, s.Calendar
	inv, err := g.readInvitation(cal)
	if err != nil || inv == nil || inv.master == nil || inv.organizer != s.Organizer {
		return tx.DeleteOpenSeries(ctx, s.Organizer, s.UID)
	}
	wants, err := g.newDates(inv, s.Horizon, horizon)
	if err != nil {
		return err
	}
	existing, err := tx.BookingsOf(ctx, inv.organizer, inv.uid)
	if err != nil {
		return err
	}
	if pendingApproval(existing) {
		// Its new dates are decided once a facilitator answered; saved
		// again, it goes to the back of the queue meanwhile.
		return tx.SaveOpenSeries(ctx, s)
	}
	inv.approved = approvedMeeting(existing)
	inv.actor = lastActor(existing, inv.organizer)
	if err := g.loadHolds(ctx, tx, inv); err != nil {
		return err
	}
	q, err := g.loadQuota(ctx, tx, inv, true, redecided(inv, wants))
	if err != nil {
		return err
	}
	ds, err := g.decideDates(ctx, tx, inv, wants, existing, q)
	if err != nil {
		return err
	}
	ds, cut := deferOpen(ds)
	if !cut.IsZero() {
		horizon = cut
	}
	if err := g.suggestForDates(ctx, tx, inv, ds); err != nil {
		return err
	}
	s.Horizon = horizon
	if err := g.saveDates(ctx, tx, a, inv, ds, nil, nil); err != nil {
		return err
	}
	if err := tx.SaveOpenSeries(ctx, s); err != nil {
		return err
	}
	return g.announceNewDates(ctx, tx, a, inv, ds)
}

// newDates lists the series' dates that start in [from, to) and that no
// override of the request replaces.
func (g *Gateway) newDates(inv *invitation, from, to time.Time) ([]want, error) {
	occs, err := inv.master.Occurrences(from, to, g.opt.Policy.MaxOccurrences)
	if err != nil {
		return nil, err
	}
	overridden := map[string]bool{}
	for _, ev := range inv.events {
		if ev.RecurrenceID != nil {
			overridden[RecurrenceKey(ev.RecurrenceID.Time)] = true
		}
	}
	now := g.opt.Now()
	var out []want
	for _, o := range occs {
		k := RecurrenceKey(o.RecurrenceID)
		if o.Start.Before(from) || o.Start.Before(now) || overridden[k] {
			continue // before the old horizon, already past, or replaced
		}
		out = append(out, want{key: k, rid: o.RecurrenceID, start: o.Start, end: o.End, ev: inv.master})
	}
	return out, nil
}

// announceNewDates tells the organizer about the new dates the room could
// not take; accepted ones need no word, the series is already accepted.
func (g *Gateway) announceNewDates(ctx context.Context, tx Tx, a *analysis, inv *invitation, ds []dated) error {
	var busy []dated
	for _, d := range ds {
		if !d.v.accepted {
			busy = append(busy, d)
		}
	}
	if len(busy) == 0 {
		return nil
	}
	out := Outcome{Kind: KindRequest, Action: ActionDeclined, UID: inv.uid, Room: inv.room.Address,
		Start: busy[0].start, End: busy[0].end,
		Reason: fmt.Sprintf("%d new date(s) of the series declined as the booking window moved", len(busy))}
	view := g.mailView(inv, busy[0].v, inv.master, busy[0].start, busy[0].end)
	view.Series, view.Dates = true, len(ds)
	view.Declined = g.declinedDates(busy)
	var items []ical.ReplyItem
	for _, d := range busy {
		it := g.replyItem(inv, inv.master, d.v)
		it.RecurrenceID = inv.master.RecurrenceIDFor(d.rid)
		items = append(items, it)
	}
	out, err := g.answer(ctx, tx, a, inv, out, TmplDecline, view, items)
	if err != nil {
		return err
	}
	return tx.Audit(ctx, AuditEntry{At: g.opt.Now().UTC(), MessageKey: a.key, MessageID: a.env.MessageID,
		Kind: out.Kind, Action: out.Action, UID: out.UID, Organizer: inv.organizer, Room: inv.room.Address,
		Start: out.Start, End: out.End, Reason: out.Reason})
}

// RunSeries extends open-ended series every interval until ctx is done.
func (g *Gateway) RunSeries(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := g.ExtendSeries(ctx); err != nil && ctx.Err() == nil {
			g.log.Error("extending open-ended series", "err", err)
		} else if n > 0 {
			g.log.Info("open-ended series extended", "series", n)
		}
		if n, err := g.ExpireApprovals(ctx); err != nil && ctx.Err() == nil {
			g.log.Error("declining the requests no facilitator answered", "err", err)
		} else if n > 0 {
			g.log.Info("requests declined: no facilitator answered before they began", "requests", n)
		}
		if n, err := g.ExpireWaiting(ctx); err != nil && ctx.Err() == nil {
			g.log.Error("ending the requests that waited in vain", "err", err)
		} else if n > 0 {
			g.log.Info("waiting requests ended at their start", "requests", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
