package gateway

import "context"

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

// noMeetings is the meeting layer when there is none: the room's fixed
// details are all there is.
type noMeetings struct{}

func (noMeetings) BookingSaved(context.Context, Tx, *Booking) error { return nil }

func (noMeetings) AcceptQueued(context.Context, Tx, *OutboxMail, HeldAccept) error { return nil }

func (noMeetings) Reminder(_ context.Context, _ Tx, _ *Booking, tmpl string, v MailView) (string, MailView, error) {
	return tmpl, v, nil
}

// saveBooking saves b in tx and tells the meeting layer.
func (g *Gateway) saveBooking(ctx context.Context, tx Tx, b *Booking) error {
	if err := tx.SaveBooking(ctx, b); err != nil {
		return err
	}
	return g.meetings.BookingSaved(ctx, tx, b)
}

// saveBookings saves bs in tx and tells the meeting layer of each.
func (g *Gateway) saveBookings(ctx context.Context, tx Tx, bs []*Booking) error {
	if err := tx.SaveBookings(ctx, bs); err != nil {
		return err
	}
	for _, b := range bs {
		if err := g.meetings.BookingSaved(ctx, tx, b); err != nil {
			return err
		}
	}
	return nil
}
