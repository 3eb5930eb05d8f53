package layer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// zoomKick wakes the job runner.
func (l *Layer) zoomKick() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// BookingSaved is BookingReplaced without the row replaced.
func (l *Layer) BookingSaved(ctx context.Context, tx gateway.Tx, b *gateway.Booking) error {
	return l.BookingReplaced(ctx, tx, nil, b)
}

// BookingReplaced queues the sync job of b when its meeting must change:
// an accepted booking without meeting, or whose slot or title moved, or
// whose meeting options changed from prev's (what the meeting row records
// does not hold them: the job then sends them all, zoomUpdate); a booking
// no longer accepted that has one. The runner is woken once the
// transaction committed.
func (l *Layer) BookingReplaced(ctx context.Context, tx gateway.Tx, prev, b *gateway.Booking) error {
	ztx, err := meetingTx(tx)
	if err != nil {
		return err
	}
	m, err := ztx.Meeting(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("read the booking's meeting: %w", err)
	}
	if !l.zoomNeedsSync(b, m) && !l.zoomOptionsChanged(prev, b, m) {
		return nil
	}
	if err := ztx.QueueJob(ctx, b.ID, meetings.JobSync, l.now().UTC()); err != nil {
		return err
	}
	ztx.AfterCommit(l.zoomKick)
	return nil
}

// AcceptQueued holds the accept mail until the meetings exist (zoomHold).
func (l *Layer) AcceptQueued(ctx context.Context, tx gateway.Tx, m *gateway.OutboxMail, a gateway.HeldAccept) error {
	return l.zoomHold(ctx, tx, m, a)
}

// Reminder gives the meeting's own link (zoomReminder).
func (l *Layer) Reminder(ctx context.Context, tx gateway.Tx, b *gateway.Booking, tmpl string, v gateway.MailView) (string, gateway.MailView, error) {
	return l.zoomReminder(ctx, tx, b, tmpl, v)
}

// zoomNeedsSync reports whether the meeting m (nil when none) differs from
// what booking b calls for. A booking held on a free tool calls for no
// Zoom meeting: one it had before it moved there is deleted.
func (l *Layer) zoomNeedsSync(b *gateway.Booking, m *meetings.Meeting) bool {
	has := m != nil && m.State != meetings.MeetingDeleted
	if !zoomWanted(b) {
		return has
	}
	if !has || m.State == meetings.MeetingCreating {
		return b.End.After(l.now())
	}
	return !m.Start.Equal(b.Start) || !m.End.Equal(b.End) || m.Topic != l.zoomTopic(b)
}

// zoomOptionsChanged reports whether b, whose meeting m exists (or is
// being created, maybe with the options read before) and has not ended,
// asks for other meeting options than prev, the booking it replaces.
func (l *Layer) zoomOptionsChanged(prev, b *gateway.Booking, m *meetings.Meeting) bool {
	return prev != nil && prev.Options != b.Options && zoomWanted(b) && m != nil &&
		m.State != meetings.MeetingDeleted && b.End.After(l.now())
}

// zoomWanted reports whether booking b calls for a Zoom meeting: accepted,
// and not held on a free tool (gateway.Booking.Provider).
func zoomWanted(b *gateway.Booking) bool {
	return b.Status == gateway.StatusAccepted && b.Provider == ""
}

// zoomTopic is the topic of a booking's meeting: its title, else the
// room's name.
func (l *Layer) zoomTopic(b *gateway.Booking) string {
	if t := strings.TrimSpace(b.Summary); t != "" {
		return gateway.StoredText(t, 200)
	}
	if r := l.g.RoomOf(b.Room); r != nil && r.Name != "" {
		return r.Name
	}
	return "Zoom"
}

// errNoMeetingTx says the store keeps no meetings.
var errNoMeetingTx = errors.New("layer: Zoom API mode needs a store whose transactions keep meetings (Tx.Meetings)")

// meetingTx returns the meeting layer's part of tx.
func meetingTx(tx gateway.Tx) (meetings.Tx, error) {
	if m := tx.Meetings(); m != nil {
		return m, nil
	}
	return nil, errNoMeetingTx
}
