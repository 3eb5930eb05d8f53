package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// TmplCancelled is the mail telling an organizer that the operator freed
// the room booked for their meeting.
const TmplCancelled = "cancelled"

// KindOperator marks audit entries of decisions taken by the operator
// rather than read from a message.
const KindOperator Kind = "operator"

// Errors of CancelBooking.
var (
	ErrNoBooking   = errors.New("no such booking")
	ErrNotAccepted = errors.New("booking is not accepted")
)

// observe reports a handled message to Options.OnOutcome.
func (g *Gateway) observe(out Outcome, err error, took time.Duration) {
	if err == nil && g.opt.OnOutcome != nil {
		g.opt.OnOutcome(out, took)
	}
}

// CancelBooking frees an accepted booking at the operator's request: in one
// transaction it marks the booking cancelled, writes an audit entry and
// queues, for the organizer, a mail saying so with an iTIP REPLY declining
// the room (RFC 5546 §3.2.3), so that their calendar shows the room gone.
// reason is the operator's explanation, shown to the organizer ("" for
// none). The reply is built from the stored booking: the room's ATTENDEE
// and the ORGANIZER are rewritten from their addresses, times in UTC. The
// mail goes out with the next outbox flush (Kick is called). It fails with
// ErrNoBooking or ErrNotAccepted (wrapped) when there is nothing to cancel.
func (g *Gateway) CancelBooking(ctx context.Context, id int64, reason string) (Booking, error) {
	var b Booking
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		got, err := tx.BookingByID(ctx, id)
		if err != nil {
			return fmt.Errorf("read booking: %w", err)
		}
		if got == nil {
			return fmt.Errorf("booking %d: %w", id, ErrNoBooking)
		}
		if got.Status != StatusAccepted {
			return fmt.Errorf("booking %d is %s: %w", id, got.Status, ErrNotAccepted)
		}
		b = *got
		if err := g.cancelByOperator(ctx, tx, &b, printable(reason)); err != nil {
			return err
		}
		_, err = g.promoteWaiters(ctx, tx, operatorKey(b.ID))
		return err
	})
	if err != nil {
		return Booking{}, err
	}
	g.log.Info("booking cancelled by the operator", "booking_id", b.ID, "uid", b.UID,
		"recurrence_id", b.RecurrenceID, "organizer", b.Organizer)
	g.Kick()
	return b, nil
}

// cancelByOperator saves, audits and answers one cancelled booking.
func (g *Gateway) cancelByOperator(ctx context.Context, tx Tx, b *Booking, note string) error {
	now := g.opt.Now().UTC()
	why := "cancelled by the operator"
	if note != "" {
		why += ": " + note
	}
	b.Status, b.Reason, b.UpdatedAt = StatusCancelled, why, now
	if err := g.saveBooking(ctx, tx, b); err != nil {
		return fmt.Errorf("cancel booking: %w", err)
	}
	if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: operatorKey(b.ID), Kind: KindOperator,
		Action: ActionCancelled, UID: b.UID, Organizer: b.Organizer, Room: b.Room,
		Start: b.Start, End: b.End, Reason: why}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if g.mustNotAnswer(b.Organizer) {
		return nil
	}
	return g.queueCancelMail(ctx, tx, b, note, now)
}

// operatorKey stands for the message key of an operator's decision.
func operatorKey(id int64) string { return "operator-cancel-" + strconv.FormatInt(id, 10) }

// queueCancelMail queues the organizer's mail with its iTIP REPLY.
func (g *Gateway) queueCancelMail(ctx context.Context, tx Tx, b *Booking, note string, now time.Time) error {
	room := Room{Address: b.Room}
	if r := g.opt.roomFor(b.Room); r != nil {
		room = *r
	}
	lang := b.Lang
	if lang == "" {
		lang = g.opt.Lang
	}
	loc := g.opt.Location
	view := MailView{Lang: lang, Summary: b.Summary, OrganizerName: b.OrganizerName, Organizer: b.Organizer,
		Room: RoomView{Name: room.Name, Address: room.Address}, When: Slot{b.Start.In(loc), b.End.In(loc)},
		TimeZone: loc.String(), Contact: g.opt.Contact, Note: note, Service: g.opt.ServiceName}
	text, err := g.opt.Renderer.Render(lang, TmplCancelled, view)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", TmplCancelled, err)
	}
	from := Address{Name: room.Name, Addr: b.Room}
	to := Address{Name: b.OrganizerName, Addr: b.Organizer}
	english := "The room is no longer available for this meeting. " + note
	_, comment := g.renderReplyTexts(MailView{Reason: ReasonCancelled, Note: note}, lang, strings.TrimSpace(english))
	stamp, err := g.itipStamp(ctx, tx, b.UID, b.Organizer)
	if err != nil {
		return err
	}
	raw := composeReply(composeInput{From: from, To: to, Text: text, Calendar: cancelReply(b, room, comment, stamp, g.opt.ProdID),
		InReplyTo: b.MessageID, Date: now})
	m := OutboxMail{MessageKey: operatorKey(b.ID), UID: b.UID, From: from.Addr, To: []string{to.Addr}, Raw: raw,
		Status: OutboxPending, NextAttempt: now, CreatedAt: stamp}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	return nil
}

// cancelReply is the REPLY declining the room for a booking, with the
// organizer's comment.
func cancelReply(b *Booking, room Room, comment string, now time.Time, prodID string) []byte {
	return storedReply(b, room, "DECLINED", comment, now, prodID)
}

// storedReply is a REPLY for a booking rebuilt from the booking alone
// (the ATTENDEE and ORGANIZER from their addresses, times in UTC), when
// the request's own calendar is not at hand.
func storedReply(b *Booking, room Room, partStat, comment string, now time.Time, prodID string) []byte {
	r := ical.StoredReply{UID: b.UID, Sequence: b.Sequence, Organizer: b.Organizer, OrganizerName: b.OrganizerName,
		Attendee: b.Room, AttendeeName: room.Name, PartStat: partStat, Start: b.Start, End: b.End,
		Summary: b.Summary, Comment: comment}
	if b.RecurrenceID != "" {
		if t, err := time.Parse(recurrenceKeyLayout, b.RecurrenceID); err == nil {
			r.RecurrenceID = t
		}
	}
	return ical.BuildStoredReply(r, now, prodID)
}
