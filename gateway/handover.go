package gateway

import (
	"context"
	"fmt"
	"strings"
)

// A UID names a meeting only for its organizer (RFC 5545 §3.8.4.7), so
// bookings are keyed by organizer and UID. Yet one meeting may change
// organizer: Google Calendar moves an event to a group calendar with the
// same UID and SEQUENCE under the group's address, and the room would then
// decline the meeting because of its own booking. So the same meeting
// never clashes with itself:
//
//   - when the new organizer is a member, its REQUEST is authentic (see
//     speaksFor), not older (SEQUENCE) than the booking, and the old
//     organizer, a member, is among its ATTENDEEs, the
//     booking is handed over to the new organizer (handOver): same
//     slots, same statuses (a waiting date keeps waiting, a proposal
//     stays held), an audit line, a short notice to the previous
//     organizer (tellHandedOver), and the request is then answered as
//     usual, with the full mail;
//   - otherwise the decline says that the meeting is already booked by
//     another organizer (sameMeetingOf), naming it to a member only.

// maxHandoverAttendees bounds the ATTENDEEs looked up as the meeting's
// previous organizer, each with one indexed query.
const maxHandoverAttendees = 50

// handOver gives the meeting inv names to its organizer when one of its
// ATTENDEEs holds it under the same UID and the request may speak for
// the new organizer. It returns the previous organizer, or "".
func (g *Gateway) handOver(ctx context.Context, tx Tx, a *analysis, inv *invitation) (string, error) {
	if !g.opt.Policy.AllowedOrganizer(inv.organizer) || !g.speaksFor(a, inv.organizer, inv.sentBy) {
		return "", nil // a meeting goes over from member to member only
	}
	own, err := tx.BookingsOf(ctx, inv.organizer, inv.uid)
	if err != nil {
		return "", fmt.Errorf("read bookings: %w", err)
	}
	if holdsLive(own) {
		return "", nil // the meeting is already this organizer's
	}
	for _, att := range g.otherAttendees(inv) {
		bs, err := tx.BookingsOf(ctx, att, inv.uid)
		if err != nil {
			return "", fmt.Errorf("read bookings: %w", err)
		}
		if !holdsLive(bs) {
			continue
		}
		if olderThan(inv, bs) {
			return "", nil // a late copy takes nothing over
		}
		now := g.opt.Now().UTC()
		if err := tx.HandOver(ctx, Handover{UID: inv.uid, From: att, To: inv.organizer, ToName: inv.organizerName, At: now}); err != nil {
			return "", err
		}
		why := fmt.Sprintf("meeting handed over from %s to %s: the new organizer's authentic request lists the previous one as an attendee", att, inv.organizer)
		if err := tx.Audit(ctx, AuditEntry{At: now, MessageKey: a.key, MessageID: printable(a.env.MessageID), Kind: KindRequest,
			Action: ActionAccepted, UID: printable(inv.uid), Organizer: inv.organizer, Room: inv.room.Address, Reason: printable(why)}); err != nil {
			return "", fmt.Errorf("audit: %w", err)
		}
		g.log.Info("meeting handed over to a new organizer", "uid", printable(inv.uid), "from", att, "to", inv.organizer)
		if inv.handoverMails, err = g.tellHandedOver(ctx, tx, a, inv, att, bs); err != nil {
			return "", err
		}
		return att, nil
	}
	return "", nil
}

// olderThan reports whether the invitation's first component has a lower
// SEQUENCE than some booking of bs: it is older than what the previous
// organizer had booked (RFC 5546 §2.1.5).
func olderThan(inv *invitation, bs []Booking) bool {
	for _, b := range bs {
		if b.Sequence > inv.events[0].Sequence {
			return true
		}
	}
	return false
}

// holdsLive reports whether some booking holds or waits for a slot.
func holdsLive(bs []Booking) bool {
	for _, b := range bs {
		if occupyingStatus(b.Status) || b.Status == StatusWaiting {
			return true
		}
	}
	return false
}

// otherAttendees lists the members among the ATTENDEEs of the
// invitation's components (a meeting goes over from member to member),
// once each, without its organizer and the rooms.
func (g *Gateway) otherAttendees(inv *invitation) []string {
	seen := map[string]bool{inv.organizer: true}
	var out []string
	for _, ev := range inv.events {
		for _, p := range ev.Attendees {
			m, err := p.Mailbox()
			if err != nil || seen[m] || g.opt.roomFor(m) != nil || !g.opt.Policy.AllowedOrganizer(m) {
				continue
			}
			seen[m] = true
			if out = append(out, m); len(out) == maxHandoverAttendees {
				return out
			}
		}
	}
	return out
}

// sameMeetingOf returns the organizer of a booking among in that is this
// very meeting (the same UID) under another organizer, or "".
func sameMeetingOf(in []Booking, inv *invitation) string {
	for _, b := range in {
		if b.UID == inv.uid && !strings.EqualFold(b.Organizer, inv.organizer) {
			return b.Organizer
		}
	}
	return ""
}

// bookedByView fills what a decline says of the other organizer holding
// the same meeting: its address for a member, who may know it, nothing
// more than "another organizer" for anybody else.
func (g *Gateway) bookedByView(mv *MailView, inv *invitation, other string) {
	if other == "" {
		return
	}
	mv.SameMeeting = true
	if g.opt.Policy.AllowedOrganizer(inv.organizer) {
		mv.BookedBy = other
	}
}
