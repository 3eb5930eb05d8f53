package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/ical"
)

// organizedByRoom reports whether the calendar's first event names a room
// as its ORGANIZER: the event the room sent for a chat booking.
func (g *Gateway) organizedByRoom(cal *ical.Calendar) bool {
	if cal == nil || len(cal.Events) == 0 || cal.Events[0].Organizer == nil {
		return false
	}
	org, err := cal.Events[0].Organizer.Mailbox()
	return err == nil && g.opt.roomFor(org) != nil
}

// handleReply reads an iTIP REPLY (RFC 5546 §3.2.3). Only the answer of
// a member to an event the room organizes (a chat booking, see
// ChatBooker) means something: DECLINED, what calendars send when the
// member declines or deletes the event, frees the booking as the member's
// CANCEL would; any other PARTSTAT keeps it. A REPLY is believed only
// from its ATTENDEE, who must be the booking's member: an attendee the
// room did not invite finds no booking, and a REPLY sent in the member's
// name by somebody else is rejected as forged. Nothing is answered.
func (g *Gateway) handleReply(ctx context.Context, tx Tx, a *analysis) (Outcome, error) {
	out := Outcome{Kind: KindReply, Action: ActionIgnored, UID: firstUID(a), Folder: FolderProcessed,
		Reason: `iTIP method "REPLY" needs no answer`}
	if !g.organizedByRoom(a.cal) {
		return out, nil
	}
	ev := a.cal.Events[0]
	if len(ev.Attendees) != 1 {
		out.Reason = "a REPLY names exactly one ATTENDEE (RFC 5546 §3.2.3)"
		return out, nil
	}
	who, err := ev.Attendees[0].Mailbox()
	if err != nil {
		out.Reason = printable("REPLY's ATTENDEE: " + err.Error())
		return out, nil
	}
	existing, err := tx.BookingsOf(ctx, who, ev.UID)
	if err != nil {
		return Outcome{}, fmt.Errorf("read bookings: %w", err)
	}
	if !holdsAny(existing) {
		out.Reason = "no booking of this attendee for this event"
		return out, nil
	}
	if why := g.senderProblem(a, who, ""); why != "" {
		return g.rejectForged(ctx, tx, a, ev.UID, who, why)
	}
	ps := strings.ToUpper(ev.Attendees[0].Param("PARTSTAT"))
	if ps != "DECLINED" {
		out.Reason = printable(fmt.Sprintf("the member answered %s: the booking stays", ps))
		return out, nil
	}
	n, why, err := g.cancelBookings(ctx, tx, a, existing, who, ev, nil, "declined by the member in their calendar")
	if err != nil || n == 0 {
		if why != "" {
			out.Reason = why
		}
		return out, err
	}
	out.Action, out.Reason = ActionCancelled, fmt.Sprintf("declined by the member: %d booking(s) freed", n)
	out.Start, out.End = existing[0].Start, existing[0].End
	return out, nil
}

// FreeSlots implements chat.Booker: the free time between from and to
// within the policy's day hours and booking window, from the same
// capacity rule the declines use (conflicts, with the buffer and the
// account's concurrent meetings), on the grid of the declines' proposals
// (suggestStep), adjacent free steps merged.
func (c *ChatBooker) FreeSlots(ctx context.Context, from, to time.Time) ([]chat.Slot, error) {
	g := c.g
	p := g.opt.Policy
	if now := g.opt.Now(); from.Before(now) {
		from = now
	}
	to = minTime(to, g.opt.Now().Add(p.BookingWindow))
	if !from.Before(to) {
		return nil, nil
	}
	var near []Booking
	err := g.opt.Store.Update(ctx, func(tx Tx) (err error) {
		near, err = g.overlapping(ctx, tx, from.Add(-p.Buffer), to.Add(p.Buffer))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	return g.freeRanges(near, from, to), nil
}

// freeRanges walks [from, to) by suggestStep and merges the free steps.
func (g *Gateway) freeRanges(near []Booking, from, to time.Time) []chat.Slot {
	p, loc := g.opt.Policy, g.opt.Location
	var out []chat.Slot
	for t := roundUp(from, suggestStep); t.Before(to); t = t.Add(suggestStep) {
		e := t.Add(suggestStep)
		if !withinDay(t.In(loc), e.In(loc), p.DayStart, p.DayEnd) {
			continue
		}
		if busy, _ := g.conflicts(near, meetingKey{}, t, e); busy {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End.Equal(t) {
			out[n-1].End = e
			continue
		}
		out = append(out, chat.Slot{Start: t.In(loc), End: e.In(loc)})
	}
	return out
}

// Agenda returns the bookings that occupy the account between from and
// to (accepted or pending approval), in start order, for the channel
// header and the morning post.
func (c *ChatBooker) Agenda(ctx context.Context, from, to time.Time) ([]chat.Booking, error) {
	g := c.g
	var bs []Booking
	err := g.opt.Store.Update(ctx, func(tx Tx) (err error) {
		bs, err = g.overlapping(ctx, tx, from, to)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	var out []chat.Booking
	for _, b := range bs {
		if b.Status == StatusAccepted || b.Status == StatusPending {
			out = append(out, chatBooking(b))
		}
	}
	return out, nil
}
