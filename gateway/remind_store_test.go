package gateway_test

import (
	"context"
	"sort"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// memReminder is the reminder state the database keeps beside a booking.
type memReminder struct {
	remindedStart     time.Time // start for which the reminder was queued
	recordingAt       time.Time
	recordingReminded time.Time
}

func (t *memTx) reminder(id int64) memReminder {
	return t.s.reminders[id]
}

func (t *memTx) setReminder(id int64, edit func(*memReminder)) {
	if t.s.reminders == nil {
		t.s.reminders = map[int64]memReminder{}
	}
	r := t.s.reminders[id]
	edit(&r)
	t.s.reminders[id] = r
}

func (t *memTx) RemindersDue(ctx context.Context, q gateway.ReminderQuery) ([]gateway.Reminder, error) {
	var start, rec []gateway.Reminder
	for _, b := range t.s.bookings {
		if b.Status != gateway.StatusAccepted {
			continue
		}
		st := t.reminder(b.ID)
		if q.Lead > 0 && !b.Start.After(q.Now.Add(q.Lead)) && b.End.After(q.Now) && !st.remindedStart.Equal(b.Start) {
			start = append(start, gateway.Reminder{Kind: gateway.ReminderStart, Booking: b})
		}
		if q.Recordings && !st.recordingAt.IsZero() && st.recordingReminded.IsZero() &&
			!st.recordingAt.After(q.Now.Add(-q.RecordingAfter)) && !b.End.After(q.Now) {
			rec = append(rec, gateway.Reminder{Kind: gateway.ReminderRecording, Booking: b})
		}
	}
	byStart := func(rs []gateway.Reminder) []gateway.Reminder {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Booking.Start.Before(rs[j].Booking.Start) })
		if q.Limit > 0 && len(rs) > q.Limit {
			rs = rs[:q.Limit]
		}
		return rs
	}
	return append(byStart(start), byStart(rec)...), nil
}

func (t *memTx) MarkReminder(ctx context.Context, r gateway.Reminder, at time.Time) error {
	t.setReminder(r.Booking.ID, func(m *memReminder) {
		if r.Kind == gateway.ReminderStart {
			m.remindedStart = r.Booking.Start
		} else {
			m.recordingReminded = at
		}
	})
	return nil
}

func (t *memTx) SetRecording(ctx context.Context, id int64, at time.Time) error {
	t.setReminder(id, func(m *memReminder) {
		if m.recordingAt.IsZero() {
			m.recordingAt = at
		}
	})
	return nil
}
