package db

import (
	"context"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// allVersions lists the numbers of the embedded migrations.
func allVersions(t *testing.T) []int {
	t.Helper()
	migs, err := loadMigrations(migrationFS, DriverSQLite)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]int, len(migs))
	for i, m := range migs {
		v[i] = m.version
	}
	return v
}

// due runs RemindersDue in a transaction and returns "kind uid" lines.
func due(t *testing.T, s *Store, q gateway.ReminderQuery) []string {
	t.Helper()
	var out []string
	err := s.Update(t.Context(), func(tx gateway.Tx) error {
		rs, err := tx.RemindersDue(t.Context(), q)
		for _, r := range rs {
			out = append(out, string(r.Kind)+" "+r.Booking.UID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mark marks every reminder due under q.
func mark(t *testing.T, s *Store, q gateway.ReminderQuery) {
	t.Helper()
	err := s.Update(t.Context(), func(tx gateway.Tx) error {
		rs, err := tx.RemindersDue(t.Context(), q)
		for _, r := range rs {
			if err == nil {
				err = tx.MarkReminder(t.Context(), r, q.Now)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRemindersDue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		soon := booking("soon", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		later := booking("later", "", at(12, 0), at(13, 0), gateway.StatusAccepted)
		gone := booking("gone", "", at(10, 0), at(11, 0), gateway.StatusCancelled)
		saveAll(t, s, []*gateway.Booking{soon, later, gone})
		q := gateway.ReminderQuery{Now: at(9, 50), Lead: 15 * time.Minute, Limit: 10}
		diff(t, "due at 9:50", due(t, s, q), []string{"start soon"})
		mark(t, s, q)
		diff(t, "after marking", due(t, s, q), []string(nil))

		// A new save (an update of the invitation) keeps the mark...
		saveAll(t, s, []*gateway.Booking{booking("soon", "", at(10, 0), at(11, 0), gateway.StatusAccepted)})
		diff(t, "same start saved again", due(t, s, q), []string(nil))
		// ...but a move makes the booking due again, at its new time.
		saveAll(t, s, []*gateway.Booking{booking("soon", "", at(11, 30), at(12, 0), gateway.StatusAccepted)})
		diff(t, "moved, before its new time", due(t, s, q), []string(nil))
		q.Now = at(11, 20)
		diff(t, "moved, at its new time", due(t, s, q), []string{"start soon"})
		// A cancelled booking is never due.
		saveAll(t, s, []*gateway.Booking{booking("soon", "", at(11, 30), at(12, 0), gateway.StatusCancelled)})
		diff(t, "cancelled", due(t, s, q), []string(nil))
		// A booking that has ended is not reminded any more.
		q.Now = at(13, 5)
		diff(t, "ended", due(t, s, q), []string(nil))
	})
}

func TestRecordingReminders(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		rec := booking("rec", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		none := booking("none", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		saveAll(t, s, []*gateway.Booking{rec, none})
		ctx := context.Background()
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.SetRecording(ctx, rec.ID, at(11, 10)); err != nil {
				return err
			}
			return tx.SetRecording(ctx, rec.ID, at(15, 0)) // a second notice changes nothing
		})
		if err != nil {
			t.Fatal(err)
		}
		q := gateway.ReminderQuery{Now: at(12, 0), Recordings: true, RecordingAfter: time.Hour}
		diff(t, "one hour after the notice", due(t, s, q), []string(nil))
		q.Now = at(12, 10)
		diff(t, "one hour after the notice", due(t, s, q), []string{"recording rec"})
		mark(t, s, q)
		q.Now = at(18, 0)
		diff(t, "after marking", due(t, s, q), []string(nil))
	})
}

func TestOutboxChannel(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		m := gateway.OutboxMail{MessageKey: "k", Channel: gateway.ChannelWebhook, Raw: []byte(`{"text":"x"}`),
			Status: gateway.OutboxPending, NextAttempt: at(9, 0), CreatedAt: at(9, 0)}
		err := s.Update(t.Context(), func(tx gateway.Tx) error { return tx.Enqueue(t.Context(), &m) })
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ListOutbox(t.Context(), "", 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("ListOutbox = %v, %v", got, err)
		}
		diff(t, "channel and body", []string{got[0].Channel, string(got[0].Raw)}, []string{"webhook", `{"text":"x"}`})
	})
}
