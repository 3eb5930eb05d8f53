package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"codeberg.org/opteos/roomgate/meetings"
)

// zoomState is Zoom API mode's part of a Gateway.
type zoomState struct {
	opt ZoomOptions
	// caps is what opt.API can do beyond creating meetings.
	caps meetings.Caps
	// runner runs the jobs, a handler per kind.
	runner meetings.Runner
	// kick wakes the job runner after a transaction queued a job.
	kick chan struct{}
	// create creates meetings, without roomgate's passcodes once the
	// account's rules refused one.
	create *meetings.Passcodes
}

// setupZoom switches Zoom API mode on when Options.Zoom is set: the
// decisions then tell zoomHooks of every booking they save, and of every
// accept mail they queue.
func (g *Gateway) setupZoom() error {
	g.meetings = noMeetings{}
	if g.opt.Zoom == nil {
		return nil
	}
	z, err := g.opt.Zoom.withDefaults()
	if err != nil {
		return err
	}
	g.zoom = &zoomState{opt: z, caps: meetings.Discover(z.API), kick: make(chan struct{}, 1)}
	g.zoom.runner = g.zoomRunner()
	g.zoom.create = &meetings.Passcodes{Creator: z.API, Log: g.log.With("provider", "zoom"), Refused: g.zoomPasscodesRefused}
	g.meetings = zoomHooks{g}
	return nil
}

// zoomKick wakes the job runner.
func (g *Gateway) zoomKick() {
	select {
	case g.zoom.kick <- struct{}{}:
	default:
	}
}

// zoomHooks is Zoom API mode's MeetingHooks.
type zoomHooks struct{ g *Gateway }

// BookingSaved is BookingReplaced without the row replaced.
func (h zoomHooks) BookingSaved(ctx context.Context, tx Tx, b *Booking) error {
	return h.BookingReplaced(ctx, tx, nil, b)
}

// BookingReplaced queues the sync job of b when its meeting must change:
// an accepted booking without meeting, or whose slot or title moved, or
// whose meeting options changed from prev's (what the meeting row records
// does not hold them: the job then sends them all, zoomUpdate); a booking
// no longer accepted that has one. The runner is woken once the
// transaction committed.
func (h zoomHooks) BookingReplaced(ctx context.Context, tx Tx, prev, b *Booking) error {
	ztx, err := meetingTx(tx)
	if err != nil {
		return err
	}
	m, err := ztx.Meeting(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("read the booking's meeting: %w", err)
	}
	if !h.g.zoomNeedsSync(b, m) && !h.g.zoomOptionsChanged(prev, b, m) {
		return nil
	}
	if err := ztx.QueueJob(ctx, b.ID, meetings.JobSync, h.g.opt.Now().UTC()); err != nil {
		return err
	}
	ztx.AfterCommit(h.g.zoomKick)
	return nil
}

// AcceptQueued holds the accept mail until the meetings exist (zoomHold).
func (h zoomHooks) AcceptQueued(ctx context.Context, tx Tx, m *OutboxMail, a HeldAccept) error {
	return h.g.zoomHold(ctx, tx, m, a)
}

// Reminder gives the meeting's own link (zoomReminder).
func (h zoomHooks) Reminder(ctx context.Context, tx Tx, b *Booking, tmpl string, v MailView) (string, MailView, error) {
	return h.g.zoomReminder(ctx, tx, b, tmpl, v)
}

// zoomNeedsSync reports whether the meeting m (nil when none) differs from
// what booking b calls for. A booking held on a free tool calls for no
// Zoom meeting: one it had before it moved there is deleted.
func (g *Gateway) zoomNeedsSync(b *Booking, m *meetings.Meeting) bool {
	has := m != nil && m.State != meetings.MeetingDeleted
	if !zoomWanted(b) {
		return has
	}
	if !has || m.State == meetings.MeetingCreating {
		return b.End.After(g.opt.Now())
	}
	return !m.Start.Equal(b.Start) || !m.End.Equal(b.End) || m.Topic != g.zoomTopic(b)
}

// zoomOptionsChanged reports whether b, whose meeting m exists (or is
// being created, maybe with the options read before) and has not ended,
// asks for other meeting options than prev, the booking it replaces.
func (g *Gateway) zoomOptionsChanged(prev, b *Booking, m *meetings.Meeting) bool {
	return prev != nil && prev.Options != b.Options && zoomWanted(b) && m != nil &&
		m.State != meetings.MeetingDeleted && b.End.After(g.opt.Now())
}

// zoomWanted reports whether booking b calls for a Zoom meeting: accepted,
// and not held on a free tool (Booking.Provider).
func zoomWanted(b *Booking) bool {
	return b.Status == StatusAccepted && b.Provider == ""
}

// zoomTopic is the topic of a booking's meeting: its title, else the
// room's name.
func (g *Gateway) zoomTopic(b *Booking) string {
	if t := strings.TrimSpace(b.Summary); t != "" {
		return storedText(t, 200)
	}
	if r := g.opt.roomFor(b.Room); r != nil && r.Name != "" {
		return r.Name
	}
	return "Zoom"
}

// errNoMeetingTx says the store keeps no meetings.
var errNoMeetingTx = errors.New("gateway: Zoom API mode needs a store whose transactions keep meetings (Tx.Meetings)")

// meetingTx returns the meeting layer's part of tx.
func meetingTx(tx Tx) (meetings.Tx, error) {
	if m := tx.Meetings(); m != nil {
		return m, nil
	}
	return nil, errNoMeetingTx
}
