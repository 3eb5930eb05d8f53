package gateway

import (
	"context"
	"fmt"
	"time"
)

// ReminderKind says which reminder a booking is due for.
type ReminderKind string

// Reminder kinds.
const (
	// ReminderStart comes before the booking: link, host key, steps.
	ReminderStart ReminderKind = "start"
	// ReminderRecording comes after it, when a recording notice arrived.
	ReminderRecording ReminderKind = "recording"
)

// Reminder is one reminder due for a booking.
type Reminder struct {
	Kind    ReminderKind
	Booking Booking
}

// ReminderQuery selects the reminders due at Now.
type ReminderQuery struct {
	Now time.Time
	// Lead > 0 selects ReminderStart for the accepted bookings that start
	// at or before Now+Lead and have not ended, unless their reminder was
	// queued for their current start.
	Lead time.Duration
	// Recordings selects ReminderRecording for the accepted bookings that
	// have ended, whose recording notice arrived at or before
	// Now-RecordingAfter, and whose recording reminder was not queued.
	Recordings     bool
	RecordingAfter time.Duration
	// Limit caps the reminders of each kind (no cap when <= 0).
	Limit int
}

// remindersPerRound caps the reminders queued in one transaction.
const remindersPerRound = 100

// RunReminders queues the reminders that are due, every
// Relay.ReminderInterval, until ctx is done. It does nothing when both
// reminders are off.
func (g *Gateway) RunReminders(ctx context.Context) error {
	if g.opt.Relay.ReminderBefore <= 0 && g.opt.Relay.RecordingReminderAfter <= 0 {
		return nil
	}
	every := g.opt.Relay.ReminderInterval
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := g.QueueReminders(ctx); err != nil && ctx.Err() == nil {
			g.log.Error("reminders", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// QueueReminders queues every reminder due now and returns how many. Each
// mail is queued in the outbox in the same transaction that marks its
// booking reminded, so a reminder is neither lost nor sent twice across
// restarts.
func (g *Gateway) QueueReminders(ctx context.Context) (int, error) {
	n := 0
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		n = 0
		now := g.opt.Now()
		due, err := tx.RemindersDue(ctx, ReminderQuery{Now: now, Lead: g.opt.Relay.ReminderBefore,
			Recordings: g.opt.Relay.RecordingReminderAfter > 0, RecordingAfter: g.opt.Relay.RecordingReminderAfter,
			Limit: remindersPerRound})
		if err != nil {
			return fmt.Errorf("due reminders: %w", err)
		}
		for _, r := range due {
			queued, err := g.queueReminder(ctx, tx, r, now)
			if err != nil {
				return err
			}
			if queued {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		g.Kick()
	}
	return n, nil
}

// queueReminder queues one reminder and marks it. A booking whose room is
// no longer configured, or whose organizer must not get automatic mail,
// is marked without a mail.
func (g *Gateway) queueReminder(ctx context.Context, tx Tx, r Reminder, now time.Time) (bool, error) {
	b := &r.Booking
	room := g.opt.roomFor(b.Room)
	queued := room != nil && !g.mustNotAnswer(b.Organizer)
	if queued {
		tmpl := TmplReminder
		if r.Kind == ReminderRecording {
			tmpl = TmplRecordingReminder
		}
		tmpl, view, err := g.meetings.Reminder(ctx, tx, b, tmpl, g.reminderView(b, room))
		if err != nil {
			return false, err
		}
		text, err := g.renderSafe(g.langOf(b), tmpl, view)
		if err != nil {
			// The others still go; this one is tried again next round.
			g.log.Error("reminder not queued: its mail does not render", "kind", r.Kind, "uid", b.UID,
				"recurrence_id", b.RecurrenceID, "template", tmpl, "err", err)
			return false, nil
		}
		key := fmt.Sprintf("reminder:%s:%d", r.Kind, b.ID)
		if err := g.queueNotice(ctx, tx, key, "", g.roomSender(b), Address{Name: b.OrganizerName, Addr: b.Organizer}, text); err != nil {
			return false, err
		}
	}
	if err := tx.MarkReminder(ctx, r, now.UTC()); err != nil {
		return false, fmt.Errorf("mark reminder: %w", err)
	}
	g.log.Info("reminder queued", "kind", r.Kind, "uid", b.UID, "recurrence_id", b.RecurrenceID,
		"organizer", b.Organizer, "start", b.Start, "sent", queued)
	return queued, nil
}

// renderSafe renders a mail, turning a panic of the renderer into an
// error.
func (g *Gateway) renderSafe(lang, tmpl string, v MailView) (text Rendered, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render %s mail: panic: %v", tmpl, r)
		}
	}()
	text, err = g.opt.Renderer.Render(lang, tmpl, v)
	if err != nil {
		err = fmt.Errorf("render %s mail: %w", tmpl, err)
	}
	return text, err
}

// reminderView shows a booking with its room's details and the host key:
// reminders only go to the organizer of an accepted booking.
func (g *Gateway) reminderView(b *Booking, room *Room) MailView {
	v := MailView{Lang: g.langOf(b), TimeZone: g.opt.Location.String(), Contact: g.opt.Contact, Service: g.opt.ServiceName,
		RecordingHours: 24, LeadMinutes: g.opt.LeadMinutes, Room: RoomView{Name: room.Name, Address: room.Address}}
	g.hostView(&v, room, b) // the booking's host's room and key, or its free tool's room
	v.Options = optionsView(b.Options, nil, g.opt.MeetingOptionsApplied && b.Provider == "")
	v.Relay.RecordingsAccess = g.opt.Relay.RecordingsAccess
	g.bookingView(&v, b)
	return v
}

// bookingView fills the booking's own fields of a view.
func (g *Gateway) bookingView(v *MailView, b *Booking) {
	loc := g.opt.Location
	v.Lang, v.Summary, v.OrganizerName, v.Organizer = g.langOf(b), b.Summary, b.OrganizerName, b.Organizer
	v.When = Slot{b.Start.In(loc), b.End.In(loc)}
	if room := g.opt.roomFor(b.Room); room != nil {
		v.Room.Name, v.Room.Address = room.Name, room.Address
	}
}

// langOf is the language of a booking's organizer.
func (g *Gateway) langOf(b *Booking) string {
	if b.Lang == "fr" || b.Lang == "en" {
		return b.Lang
	}
	return g.opt.Lang
}

// roomSender is the sender of mail about a booking: its room.
func (g *Gateway) roomSender(b *Booking) Address {
	if room := g.opt.roomFor(b.Room); room != nil {
		return Address{Name: room.Name, Addr: room.Address}
	}
	return g.opt.relayFrom()
}
