package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"codeberg.org/opteos/roomgate/gateway"
)

// RemindersDue returns the reminders due under q: ReminderStart for the
// accepted bookings starting by q.Now+q.Lead that have not ended and were
// not reminded for their current start; ReminderRecording for the
// accepted bookings that have ended, whose first recording notice arrived
// by q.Now-q.RecordingAfter, and that were not reminded of it. The first
// is a range scan of the (status, start_at) index, bounded below by the
// maximum booking length as in Overlapping; the second uses the partial
// index on recording_at.
func (t *tx) RemindersDue(ctx context.Context, q gateway.ReminderQuery) ([]gateway.Reminder, error) {
	var out []gateway.Reminder
	if q.Lead > 0 {
		var rows []bookingRow
		sel := t.db.NewSelect().Model(&rows).
			Where("status = ?", string(gateway.StatusAccepted)).
			Where("start_at > ?", utc(q.Now.Add(-time.Duration(t.s.maxLen.Load())))).
			Where("start_at <= ?", utc(q.Now.Add(q.Lead))).
			Where("end_at > ?", utc(q.Now)).
			Where("(reminded_start IS NULL OR reminded_start <> start_at)").
			Order("start_at", "id")
		if err := limit(sel, q.Limit).Scan(ctx); err != nil {
			return nil, fmt.Errorf("due reminders: %w", err)
		}
		out = appendReminders(out, gateway.ReminderStart, rows)
	}
	if q.Recordings {
		var rows []bookingRow
		if err := recordingsDueQuery(t.db, &rows, q).Scan(ctx); err != nil {
			return nil, fmt.Errorf("due recording reminders: %w", err)
		}
		out = appendReminders(out, gateway.ReminderRecording, rows)
	}
	return out, nil
}

// recordingsDueQuery is RemindersDue's query of recording reminders, into
// rows. Its first two conditions are those of the partial index on
// recording_at, which holds only the bookings it looks for (migration
// 0013). SQLite, without statistics, preferred the equality on status and
// read every accepted booking ever stored through the (status, start_at)
// index: it is told which index to use.
func recordingsDueQuery(db bun.IDB, rows *[]bookingRow, q gateway.ReminderQuery) *bun.SelectQuery {
	sel := db.NewSelect().Model(rows)
	if db.Dialect().Name() == dialect.SQLite {
		sel = sel.ModelTableExpr("bookings AS booking_row INDEXED BY bookings_recording_due")
	}
	sel = sel.
		Where("recording_reminded_at IS NULL").
		Where("recording_at IS NOT NULL").
		Where("recording_at <= ?", utc(q.Now.Add(-q.RecordingAfter))).
		Where("status = ?", string(gateway.StatusAccepted)).
		Where("end_at <= ?", utc(q.Now)).
		Order("start_at", "id")
	return limit(sel, q.Limit)
}

func appendReminders(out []gateway.Reminder, kind gateway.ReminderKind, rows []bookingRow) []gateway.Reminder {
	for i := range rows {
		out = append(out, gateway.Reminder{Kind: kind, Booking: rows[i].booking()})
	}
	return out
}

// MarkReminder records that a reminder was queued: for ReminderStart the
// booking's start as it is now, for ReminderRecording the time at.
func (t *tx) MarkReminder(ctx context.Context, r gateway.Reminder, at time.Time) error {
	q := t.db.NewUpdate().Model((*bookingRow)(nil)).Where("id = ?", r.Booking.ID)
	switch r.Kind {
	case gateway.ReminderStart:
		q = q.Set("reminded_start = start_at")
	case gateway.ReminderRecording:
		q = q.Set("recording_reminded_at = ?", utc(at))
	default:
		return fmt.Errorf("mark reminder: unknown kind %q", r.Kind)
	}
	res, err := q.Exec(ctx)
	return checkUpdated(res, err, "mark reminder of booking", r.Booking.ID)
}

// SetRecording records when the first recording notice for a booking
// arrived; later notices change nothing.
func (t *tx) SetRecording(ctx context.Context, id int64, at time.Time) error {
	_, err := t.db.NewUpdate().Model((*bookingRow)(nil)).
		Set("recording_at = ?", utc(at)).
		Where("id = ?", id).
		Where("recording_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("set recording of booking %d: %w", id, err)
	}
	return nil
}

// limit caps a query at n rows when n > 0.
func limit(q *bun.SelectQuery, n int) *bun.SelectQuery {
	if n > 0 {
		q = q.Limit(int64(n))
	}
	return q
}
