package db

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// Workers race to book overlapping slots through two Stores on the same
// database (as two roomgate processes would). Each transaction reads
// Overlapping, dawdles, then saves: without Update's serialization two
// workers would both see a free slot and both accept.
func TestConcurrentCapacityCheck(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		stores := []*Store{openStore(t, opt), openStore(t, opt)}
		const workers, days = 8, 4
		day0 := at(9, 0)
		var wg sync.WaitGroup
		errs := make(chan error, workers*days)
		for w := range workers {
			s := stores[w%len(stores)]
			wg.Go(func() {
				for d := range days {
					// Slots start 0, 10, 20 or 30 minutes past 9 and last
					// an hour: every two of a day overlap.
					start := day0.AddDate(0, 0, d).Add(time.Duration(w%4) * 10 * time.Minute)
					errs <- tryBook(t.Context(), s, fmt.Sprintf("w%d-d%d", w, d), start, start.Add(time.Hour))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkNoOverlap(t, stores[0], day0, day0.AddDate(0, 0, days), days)
	})
}

// tryBook accepts the slot if it is free, and declines it otherwise.
func tryBook(ctx context.Context, s *Store, uid string, start, end time.Time) error {
	return s.Update(ctx, func(tx gateway.Tx) error {
		busy, err := tx.Overlapping(ctx, start, end)
		if err != nil {
			return err
		}
		st := gateway.StatusAccepted
		if len(busy) > 0 {
			st = gateway.StatusDeclined
		}
		time.Sleep(2 * time.Millisecond) // widen the window a race needs
		return tx.SaveBooking(ctx, &gateway.Booking{UID: uid, Start: start, End: end, Status: st})
	})
}

// checkNoOverlap fails if two accepted bookings overlap, and expects
// exactly one accepted booking per day.
func checkNoOverlap(t *testing.T, s *Store, from, to time.Time, days int) {
	t.Helper()
	all, err := s.ListBookings(t.Context(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	var accepted []gateway.Booking
	for _, b := range all {
		if b.Status == gateway.StatusAccepted {
			accepted = append(accepted, b)
		}
	}
	for i := 1; i < len(accepted); i++ {
		if prev := accepted[i-1]; accepted[i].Start.Before(prev.End) {
			t.Errorf("accepted bookings overlap: %s %v–%v and %s %v–%v",
				prev.UID, prev.Start, prev.End, accepted[i].UID, accepted[i].Start, accepted[i].End)
		}
	}
	if len(accepted) != days {
		t.Errorf("%d accepted bookings of %d, want one per day (%d)", len(accepted), len(all), days)
	}
}
