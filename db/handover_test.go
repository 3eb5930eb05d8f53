package db

import (
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestHandOver: the meeting's bookings keep their IDs, slots and statuses
// under the new organizer; the rows the new organizer had of that UID go;
// other meetings, and the same UID of a third organizer, stay; so does
// the open series move.
func TestHandOver(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		const ann, team, zed = "ann@example.org", "team@example.org", "zed@example.org"
		single := booking("g-1", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		hold := booking("g-1", "hold", at(12, 0), at(13, 0), gateway.StatusHeld)
		declined := booking("g-1", "", at(10, 0), at(11, 0), gateway.StatusDeclined)
		declined.Organizer = team
		third := booking("g-1", "", at(15, 0), at(16, 0), gateway.StatusAccepted)
		third.Organizer = zed
		other := booking("o-1", "", at(17, 0), at(18, 0), gateway.StatusAccepted)
		saveBookings(t, s, single, hold, declined, third, other)
		series := gateway.OpenSeries{UID: "g-1", Organizer: ann, Room: "room@example.org",
			Calendar: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Horizon: at(12, 0)}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.SaveOpenSeries(ctx, series); err != nil {
				return err
			}
			return tx.HandOver(ctx, gateway.Handover{UID: "g-1", From: ann, To: team, ToName: "Team", At: at(9, 0)})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Update(ctx, func(tx gateway.Tx) error {
			got, err := tx.BookingsOf(ctx, team, "g-1")
			if err != nil {
				return err
			}
			if len(got) != 2 || got[0].ID != single.ID || got[0].Status != gateway.StatusAccepted || !got[0].Start.Equal(at(10, 0)) ||
				got[0].OrganizerName != "Team" || got[1].ID != hold.ID || got[1].Status != gateway.StatusHeld {
				t.Errorf("the new organizer's bookings: %+v", got)
			}
			for org, want := range map[string]int{ann: 0, zed: 1} {
				if bs, err := tx.BookingsOf(ctx, org, "g-1"); err != nil || len(bs) != want {
					t.Errorf("%s holds %d bookings of g-1 (%v), want %d", org, len(bs), err, want)
				}
			}
			if bs, err := tx.BookingsOf(ctx, ann, "o-1"); err != nil || len(bs) != 1 {
				t.Errorf("ann's other meeting: %d bookings, %v", len(bs), err)
			}
			for org, want := range map[string]int{ann: 0, team: 1} {
				if uids, err := tx.OpenSeriesUIDs(ctx, org); err != nil || len(uids) != want {
					t.Errorf("%s's open series %v (%v), want %d", org, uids, err, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
