package gateway

import (
	"context"
	"fmt"
)

// MeetingHooks is how the decisions tell the meeting layer what they did,
// inside the decision's own transaction, so that what the layer queues
// (through tx.Meetings()) commits or rolls back with the decision. The
// gateway calls each hook by name where it acts: it never learns what a
// meeting is made of, and the layer never sees a decision being made.
type MeetingHooks interface {
	// BookingSaved is called right after b was saved in tx, whatever
	// the decision: accepted, moved, retitled, withdrawn, released.
	BookingSaved(ctx context.Context, tx Tx, b *Booking) error
	// AcceptQueued is called right after the accept mail m, made of a,
	// was queued in tx for the meeting (a.Organizer, a.UID): the layer may
	// hold it until the meeting's own link exists.
	AcceptQueued(ctx context.Context, tx Tx, m *OutboxMail, a HeldAccept) error
	// Reminder is called as the reminder of b (template tmpl, view v) is
	// written: the layer may give the meeting's own details instead of
	// the room's, with a template of its own.
	Reminder(ctx context.Context, tx Tx, b *Booking, tmpl string, v MailView) (string, MailView, error)
}

// HeldAccept is what a held accept mail is made of, kept (as JSON, without
// Organizer and UID) to write it again.
type HeldAccept struct {
	// Organizer and UID name the meeting the mail answers.
	Organizer string `json:"-"`
	UID       string `json:"-"`
	Key       string // the message it answers
	Lang      string
	View      MailView
	From, To  Address
	Calendar  []byte
	InReplyTo string
	// Method is Calendar's iTIP method: REPLY when "", REQUEST for a
	// chat booking (the room organizes the member's event).
	Method     string `json:",omitempty"`
	References []string
}

// noMeetings is the meeting layer when there is none: the room's fixed
// details are all there is.
type noMeetings struct{}

func (noMeetings) BookingSaved(context.Context, Tx, *Booking) error { return nil }

func (noMeetings) AcceptQueued(context.Context, Tx, *OutboxMail, HeldAccept) error { return nil }

func (noMeetings) Reminder(_ context.Context, _ Tx, _ *Booking, tmpl string, v MailView) (string, MailView, error) {
	return tmpl, v, nil
}

// replacedHook is a MeetingHooks that compares what a decision saves
// with the booking it replaces (Zoom API mode: an options-only change
// must reach the meeting, though nothing the meeting row records moved).
// saveBooking and saveBookings then read the stored rows first, one read
// per meeting, and call BookingReplaced instead of BookingSaved.
type replacedHook interface {
	// BookingReplaced is BookingSaved with prev, the booking as stored
	// before this save (nil for a new one).
	BookingReplaced(ctx context.Context, tx Tx, prev, b *Booking) error
}

// saveBooking saves b in tx and tells the meeting layer.
func (g *Gateway) saveBooking(ctx context.Context, tx Tx, b *Booking) error {
	return g.saveAndTell(ctx, tx, []*Booking{b}, func() error { return tx.SaveBooking(ctx, b) })
}

// saveBookings saves bs in tx and tells the meeting layer of each.
func (g *Gateway) saveBookings(ctx context.Context, tx Tx, bs []*Booking) error {
	return g.saveAndTell(ctx, tx, bs, func() error { return tx.SaveBookings(ctx, bs) })
}

// saveAndTell runs save, which saves bs, and tells the meeting layer of
// each booking saved, with the rows they replace when it asks for them.
func (g *Gateway) saveAndTell(ctx context.Context, tx Tx, bs []*Booking, save func() error) error {
	rh, compares := g.meetings.(replacedHook)
	var prev map[bookingKey]*Booking
	if compares {
		var err error
		if prev, err = storedBefore(ctx, tx, bs); err != nil {
			return err
		}
	}
	if err := save(); err != nil {
		return err
	}
	for _, b := range bs {
		var err error
		if compares {
			err = rh.BookingReplaced(ctx, tx, prev[keyOf(b)], b)
		} else {
			err = g.meetings.BookingSaved(ctx, tx, b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bookingKey is what SaveBooking keys a booking by.
type bookingKey struct{ organizer, uid, recurrenceID string }

func keyOf(b *Booking) bookingKey { return bookingKey{b.Organizer, b.UID, b.RecurrenceID} }

// storedBefore reads the stored rows of bs, by their key, one read per
// meeting (organizer, uid).
func storedBefore(ctx context.Context, tx Tx, bs []*Booking) (map[bookingKey]*Booking, error) {
	out := map[bookingKey]*Booking{}
	read := map[[2]string]bool{}
	for _, b := range bs {
		m := [2]string{b.Organizer, b.UID}
		if read[m] {
			continue
		}
		read[m] = true
		stored, err := tx.BookingsOf(ctx, b.Organizer, b.UID)
		if err != nil {
			return nil, fmt.Errorf("read the bookings a decision replaces: %w", err)
		}
		for i := range stored {
			out[keyOf(&stored[i])] = &stored[i]
		}
	}
	return out, nil
}
