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
	if l.zoomHostChanged(prev, b, m) {
		// Marked in the decision's transaction, so that the accept mail
		// queued with it waits for the new meeting's link (zoomHold).
		if err := l.zoomMarkMoving(ctx, ztx, m); err != nil {
			return err
		}
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
	if !has || m.State == meetings.MeetingCreating || m.State == meetings.MeetingMoving {
		return b.End.After(l.now())
	}
	return !m.Start.Equal(b.Start) || !m.End.Equal(b.End) || m.Topic != l.zoomTopic(b)
}

// zoomHostChanged reports whether the meeting m of booking b, made for
// prev (the booking b replaces), is under another Zoom user than b's pool
// host's: a move gave b another host (its own was busy at the new time).
// The meeting must then be made again under the new host's user, whose
// key and start link the mails give (zoomMove).
func (l *Layer) zoomHostChanged(prev, b *gateway.Booking, m *meetings.Meeting) bool {
	if prev == nil || m == nil || m.State != meetings.MeetingCreated || !zoomWanted(prev) || !zoomWanted(b) ||
		prev.Host == b.Host || !b.End.After(l.now()) {
		return false
	}
	h := l.g.HostOf(b)
	if h == nil {
		return false // no pool, or b's host is gone: no other user to make it under
	}
	if old := l.g.HostOf(prev); old != nil && old.ZoomUser == h.ZoomUser {
		return false // two names of one user
	}
	return true // prev's host is another user, or one no longer configured
}

// zoomMarkMoving records that the created meeting m is to be made again
// under its booking's host's user (state moving) with a new marker: the
// intent of the creation, recorded before the call as zoomIntent does.
func (l *Layer) zoomMarkMoving(ctx context.Context, ztx meetings.Tx, m *meetings.Meeting) error {
	m.State, m.Marker = meetings.MeetingMoving, "rg-"+randomHex(12)
	if err := ztx.SaveMeeting(ctx, m); err != nil {
		return fmt.Errorf("record the meeting's move to another host: %w", err)
	}
	return nil
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
