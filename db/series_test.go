package db

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestOpenSeries(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		update := func(fn func(gateway.Tx) error) {
			t.Helper()
			if err := s.Update(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		due := func(before time.Time) (uids []string) {
			t.Helper()
			update(func(tx gateway.Tx) error {
				got, err := tx.OpenSeriesDue(ctx, before, 10)
				for _, os := range got {
					uids = append(uids, os.UID)
				}
				return err
			})
			return uids
		}
		a := gateway.OpenSeries{UID: "a", Organizer: "alice@coop.example", Room: "zoom@coop.example",
			Calendar: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), MessageID: "<a@x>", Horizon: at(12, 0)}
		b2 := a
		b2.UID, b2.Horizon = "b", at(10, 0)
		// Another organizer's series with a's UID is another series.
		mallory := a
		mallory.Organizer, mallory.Horizon = "mallory@evil.example", at(22, 0)
		update(func(tx gateway.Tx) error {
			for _, os := range []gateway.OpenSeries{a, b2, mallory} {
				if err := tx.SaveOpenSeries(ctx, os); err != nil {
					return err
				}
			}
			return nil
		})
		diff(t, "due before 11:00", due(at(11, 0)), []string{"b"})
		diff(t, "due before 13:00, saved the longest ago first", due(at(13, 0)), []string{"a", "b"})
		b2.Horizon = at(14, 0)
		update(func(tx gateway.Tx) error { return tx.SaveOpenSeries(ctx, b2) })
		diff(t, "after moving b's horizon", due(at(13, 0)), []string{"a"})
		update(func(tx gateway.Tx) error {
			got, err := tx.OpenSeriesDue(ctx, at(13, 0), 1)
			if err == nil && (len(got) != 1 || string(got[0].Calendar) != string(a.Calendar) || got[0].MessageID != "<a@x>") {
				t.Errorf("stored series = %+v, want it as saved", got)
			}
			return err
		})
		update(func(tx gateway.Tx) error {
			uids, err := tx.OpenSeriesUIDs(ctx, "alice@coop.example")
			diff(t, "alice's open series", uids, []string{"a", "b"})
			return err
		})
		update(func(tx gateway.Tx) error { return tx.DeleteOpenSeries(ctx, "alice@coop.example", "a") })
		diff(t, "after deleting alice's a", due(at(23, 0)), []string{"a", "b"})
		update(func(tx gateway.Tx) error {
			got, err := tx.OpenSeriesDue(ctx, at(23, 0), 10)
			if err == nil && (len(got) != 2 || got[0].Organizer != "mallory@evil.example") {
				t.Errorf("left: %+v, want mallory's a (saved before b moved) then alice's b", got)
			}
			return err
		})
	})
}
