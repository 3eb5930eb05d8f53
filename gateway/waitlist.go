package gateway

import (
	"context"
	"fmt"
	"slices"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// The waiting list. A request declined only because its slot is taken
// (ReasonConflict, not for the policy) waits, as StatusWaiting, with the
// request's calendar. Whenever a decision may have freed capacity (a
// cancellation, a move, a shorter meeting, a release), the waiting
// requests that now fit are accepted in the order they arrived, in the
// same transaction, so that two instances never give one slot twice: each
// gets a new REPLY with PARTSTAT=ACCEPTED (same UID and SEQUENCE, a newer
// DTSTAMP: organizers' schedulers apply a later reply, see docs/members.md) and
// the accept mail. A waiting request ends at its start, when its
// organizer changes or cancels it, and none waits beyond WaitlistMax per
// slot.

// waiters returns the waiting list (nil when the policy keeps none).
func (g *Gateway) waiters(ctx context.Context, tx Tx) ([]Booking, error) {
	if !g.opt.Policy.Waitlist {
		return nil, nil
	}
	ws, err := tx.Waiting(ctx, g.opt.Now())
	if err != nil {
		return nil, fmt.Errorf("read the waiting list: %w", err)
	}
	return ws, nil
}

// waitVerdict decides whether a request declined for the taken slot
// [s, e) waits (see canWait): when its people may hold one more request
// and the quotas count it too; a quota that refuses it declines it for
// the quota instead.
func (g *Gateway) waitVerdict(ctx context.Context, tx Tx, inv *invitation, v verdict, s, e time.Time) (verdict, error) {
	if p := g.opt.Policy; !inv.mayHold() {
		// Neither a waiting place nor a proposed slot: the decline says why.
		v.holdsFull, v.quota = p.Waitlist || p.Counter, inv.holds.view
		return v, nil
	}
	ws, err := g.waiters(ctx, tx)
	if err != nil || !g.canWait(ws, inv, s, e) {
		return v, err
	}
	q, err := g.loadQuota(ctx, tx, inv, false, inv.key().owns)
	if err != nil {
		return verdict{}, err
	}
	if qv, ok := q.take(s, e); !ok {
		return qv, nil
	}
	v.wait = true
	return v, nil
}

// canWait reports whether one more request may wait for [s, e): fewer
// than WaitlistMax others wait for a slot overlapping it, and none of
// them is its people's (one person waits once for a slot, whatever the
// UIDs).
func (g *Gateway) canWait(ws []Booking, inv *invitation, s, e time.Time) bool {
	p := g.opt.Policy
	if !p.Waitlist || !s.After(g.opt.Now()) {
		return false
	}
	n, own, people := 0, inv.key(), inv.people()
	for _, w := range ws {
		if own.owns(w) || !w.Start.Before(e) || !w.End.After(s) {
			continue
		}
		if slices.ContainsFunc(w.people(), func(x string) bool { return slices.Contains(people, x) }) {
			return false
		}
		n++
	}
	return p.WaitlistMax <= 0 || n < p.WaitlistMax
}

// ReasonPromoted is the audit reason of a waiting request accepted
// because its slot freed (the chat announces it as such).
const ReasonPromoted = "the slot freed: the waiting request is accepted"

// promoteWaiters accepts, in the order they arrived, the waiting requests
// whose slot is free now, and returns how many mails it queued.
func (g *Gateway) promoteWaiters(ctx context.Context, tx Tx, key string) (int, error) {
	ws, err := g.waiters(ctx, tx)
	if err != nil || len(ws) == 0 {
		return 0, err
	}
	queued := 0
	for i := range ws {
		n, err := g.promote(ctx, tx, key, &ws[i])
		if err != nil {
			return queued, err
		}
		queued += n
	}
	return queued, nil
}

// promote accepts one waiting request when its slot is free and within
// its organizer's quota, and queues its REPLY and accept mail.
func (g *Gateway) promote(ctx context.Context, tx Tx, key string, w *Booking) (int, error) {
	room := g.opt.roomFor(w.Room)
	if room == nil {
		return 0, nil
	}
	buf := g.opt.Policy.Buffer
	near, err := g.overlapping(ctx, tx, w.Start.Add(-buf), w.End.Add(buf))
	if err != nil {
		return 0, fmt.Errorf("read bookings: %w", err)
	}
	own := meetingKey{w.Organizer, w.UID, w.Room}
	pl := g.hosts().place(near, own, w.Start, w.End, buf)
	if pl.busy {
		return 0, nil
	}
	q, err := g.loadQuota(ctx, tx, &invitation{organizer: w.Organizer, uid: w.UID, actor: w.Actor}, false, own.owns)
	if err != nil {
		return 0, err
	}
	if _, ok := q.take(w.Start, w.End); !ok {
		return 0, nil
	}
	stamp, err := g.itipStamp(ctx, tx, w.UID, w.Organizer) // after the decline's
	if err != nil {
		return 0, err
	}
	reply, err := g.acceptedReply(w, room, stamp)
	if err != nil {
		g.log.Warn("a waiting request cannot be answered; it stops waiting", "uid", w.UID, "recurrence_id", w.RecurrenceID, "err", err)
		w.Status, w.Request = StatusDeclined, nil
		return 0, g.saveBooking(ctx, tx, w)
	}
	now := g.opt.Now().UTC()
	w.Status, w.Reason, w.Request, w.UpdatedAt = StatusAccepted, "accepted when the slot freed", nil, now
	w.Host, w.Provider, w.ToolRoom = pl.first(w.Host), "", ToolRoom{}
	if err := g.saveBooking(ctx, tx, w); err != nil {
		return 0, fmt.Errorf("save booking: %w", err)
	}
	if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: key, MessageID: w.MessageID, Kind: KindRequest,
		Action: ActionAccepted, UID: w.UID, Organizer: w.Organizer, Room: w.Room, Start: w.Start, End: w.End,
		Reason: ReasonPromoted}); err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	g.log.Info("waiting request accepted", "uid", w.UID, "recurrence_id", w.RecurrenceID, "organizer", w.Organizer, "start", w.Start)
	if err := g.releaseHolds(ctx, tx, w); err != nil {
		return 0, err
	}
	return 1, g.queueFreed(ctx, tx, key, w, room, reply, stamp)
}

// releaseHolds frees the slot a COUNTER proposed for w (see offerCounter)
// once w got the slot it asked for: the proposal is moot, and holding it
// until it expires would leave an unexplained gap in the agenda.
func (g *Gateway) releaseHolds(ctx context.Context, tx Tx, w *Booking) error {
	bs, err := tx.BookingsOf(ctx, w.Organizer, w.UID)
	if err != nil {
		return fmt.Errorf("read bookings: %w", err)
	}
	for _, b := range bs {
		if b.Status != StatusHeld || b.RecurrenceID != holdKey(w.RecurrenceID) || b.Room != w.Room {
			continue
		}
		b.Status, b.Reason, b.UpdatedAt = StatusCancelled, "the waiting request got the slot it asked for", g.opt.Now().UTC()
		if err := g.saveBooking(ctx, tx, &b); err != nil {
			return fmt.Errorf("release the proposed slot: %w", err)
		}
	}
	return nil
}

// acceptedReply builds the REPLY accepting a waiting booking, from the
// request's own calendar (see requestReply): the date alone, the other
// dates of its series keeping their answers.
func (g *Gateway) acceptedReply(w *Booking, room *Room, stamp time.Time) ([]byte, error) {
	status, _ := g.renderReplyTexts(MailView{Accepted: true}, g.langOf(w), "")
	return g.requestReply([]Booking{*w}, false, room, ical.ReplyItem{PartStat: "ACCEPTED", RequestStatus: requestStatus(statusSuccess, status)}, stamp)
}

// queueFreed queues the REPLY and the accept mail of a waiting request
// accepted because its slot freed.
func (g *Gateway) queueFreed(ctx context.Context, tx Tx, key string, w *Booking, room *Room, reply []byte, stamp time.Time) error {
	view := g.reminderView(w, room) // the room's details and the host key, for its organizer
	view.Freed, view.Accepted = true, true
	return g.queueBookingReply(ctx, tx, key, w, room, TmplAccept, view, reply, stamp)
}

// ExpireWaiting ends the waiting requests whose meeting has begun: they
// stay declined, as answered, and get no mail. It returns how many.
func (g *Gateway) ExpireWaiting(ctx context.Context) (int, error) {
	n := 0
	err := g.opt.Store.Update(ctx, func(tx Tx) (err error) {
		n, err = tx.ExpireWaiting(ctx, g.opt.Now())
		return err
	})
	return n, err
}
