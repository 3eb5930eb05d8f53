package db

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// The actor and recording indexes hold only the bookings their queries
// look for (migration 0013): a booking asked by its organizer, without a
// recording, writes no entry in them, and the queries still read them.
func TestPartialBookingIndexes(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		plain := booking("plain", "", at(9, 0), at(10, 0), gateway.StatusAccepted)
		asked := booking("asked", "", at(11, 0), at(12, 0), gateway.StatusAccepted)
		asked.Actor = "bob@example.org"
		saveAll(t, s, []*gateway.Booking{plain, asked})
		entries := func(index string) int {
			t.Helper()
			var n int
			err := s.w.NewRaw("SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'", index).Scan(ctx, &n)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if s.driver == DriverSQLite { // PostgreSQL does not count an index's entries exactly
			if n := entries("bookings_actor_end"); n != 1 {
				t.Errorf("bookings_actor_end holds %d entries, want 1 (the booking with an actor)", n)
			}
			if n := entries("bookings_recording_due"); n != 0 {
				t.Errorf("bookings_recording_due holds %d entries before any recording, want 0", n)
			}
		}
		if err := s.Update(ctx, func(tx gateway.Tx) error { return tx.SetRecording(ctx, plain.ID, at(10, 30)) }); err != nil {
			t.Fatal(err)
		}
		if s.driver == DriverSQLite {
			if n := entries("bookings_recording_due"); n != 1 {
				t.Errorf("bookings_recording_due holds %d entries after a recording, want 1", n)
			}
		}
		var rows []bookingRow
		recordings := recordingsDueQuery(s.w, &rows, gateway.ReminderQuery{Now: at(13, 0), RecordingAfter: time.Hour})
		person := personBookingsQuery(s.w, nil, "bob@example.org", at(0, 0), true).String()
		if s.driver == DriverSQLite {
			// The statement PersonBookings runs on SQLite.
			person = strings.NewReplacer("?1", "'bob@example.org'", "?2", "'x'").Replace(byStatus(personBookingsSQL, quotaStatuses))
		}
		for _, tt := range []struct{ name, query, index string }{
			{"person's bookings", person, "bookings_actor_end"},
			{"recordings due", recordings.String(), "bookings_recording_due"},
		} {
			plan, err := explain(ctx, s, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			if regexp.MustCompile(`SCAN b(ooking_row)?\b|Seq Scan on bookings`).MatchString(text) {
				t.Errorf("%s: the plan reads the whole table:\n%s", tt.name, text)
			}
			// PostgreSQL weighs the indexes by their statistics: on this
			// table of two rows it may prefer (status, start_at) for the
			// recordings, which its statistics rule out on a real one.
			if !strings.Contains(text, tt.index) && (s.driver == DriverSQLite || tt.index == "bookings_actor_end") {
				t.Errorf("%s: the plan does not read %s:\n%s", tt.name, tt.index, text)
			}
		}
		// What the queries read through these indexes.
		err := s.Update(ctx, func(tx gateway.Tx) error {
			bs, err := tx.PersonBookings(ctx, "bob@example.org", at(0, 0))
			if err != nil {
				return err
			}
			if len(bs) != 1 || bs[0].UID != "asked" {
				t.Errorf("bob's bookings = %v, want the one he asked for", bs)
			}
			rs, err := tx.RemindersDue(ctx, gateway.ReminderQuery{Now: at(13, 0), Recordings: true, RecordingAfter: time.Hour})
			if err != nil {
				return err
			}
			if len(rs) != 1 || rs[0].Booking.UID != "plain" {
				t.Errorf("recording reminders due = %v, want the one of plain", rs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// explain is the plan of query on the store's database.
func explain(ctx context.Context, s *Store, query string) ([]string, error) {
	if s.driver == DriverSQLite {
		return explainSQLite(ctx, s, query)
	}
	return explainPostgres(ctx, s, query)
}
